namespace Gmem.Vmm.X86;

/// <summary>Bits of an x86-64 page-table entry (4-level paging) that the boot helper uses.</summary>
[Flags]
public enum X86PageFlags : ulong
{
    /// <summary>No bits.</summary>
    None = 0,
    /// <summary>P: the entry is valid.</summary>
    Present = 1UL << 0,
    /// <summary>R/W: writes allowed.</summary>
    Writable = 1UL << 1,
    /// <summary>U/S: CPL3 may access (must be set at every level for a user page).</summary>
    User = 1UL << 2,
    /// <summary>A: accessed (set by the CPU).</summary>
    Accessed = 1UL << 5,
    /// <summary>D: dirty (set by the CPU, leaf entries only).</summary>
    Dirty = 1UL << 6,
    /// <summary>PS: in a page-directory entry, the entry maps a 2 MiB page.</summary>
    PageSize = 1UL << 7,
}
