namespace Gmem;

/// <summary>Flags of a memslot (<c>KVM_MEM_*</c>).</summary>
[Flags]
public enum MemslotFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>KVM_MEM_LOG_DIRTY_PAGES.</summary>
    LogDirtyPages = 1,
    /// <summary>KVM_MEM_READONLY.</summary>
    ReadOnly = 2,
    /// <summary>KVM_MEM_GUEST_MEMFD: the slot is backed by a guest_memfd at (fd, offset).</summary>
    GuestMemfd = 4,
}
