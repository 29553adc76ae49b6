namespace Gmem.Vmm.Maps;

/// <summary>What a range of guest physical memory is.</summary>
public enum MemoryKind
{
    /// <summary>No memslot, or a memslot page with no backing yet.</summary>
    Hole,
    /// <summary>Shared: the host may map it.</summary>
    Shared,
    /// <summary>Private: only the guest reaches it.</summary>
    Private,
}
