namespace Gmem.Reference.Mm;

/// <summary>The size of the direct-map entry that maps a frame.</summary>
public enum DirectMapLevel
{
    /// <summary>Not mapped: removed from the direct map.</summary>
    NotMapped = 0,
    /// <summary>A 4 KiB page-table entry.</summary>
    Pte4K = 1,
    /// <summary>A 2 MiB block (PMD).</summary>
    Pmd2M = 2,
    /// <summary>A 1 GiB block (PUD).</summary>
    Pud1G = 3,
}
