namespace Gmem;

/// <summary>Page and huge-page geometry shared by both platforms (x86-64: 4 KiB base pages).</summary>
public static class Page
{
    /// <summary>log2 of the base page size.</summary>
    public const int Shift = 12;

    /// <summary>The base page size in bytes (PAGE_SIZE).</summary>
    public const int Size = 1 << Shift;

    /// <summary>Mask of the offset bits inside a base page.</summary>
    public const ulong OffsetMask = Size - 1;

    /// <summary>Bytes of a 2 MiB (PMD-level) huge page.</summary>
    public const long Size2M = 2L << 20;

    /// <summary>Bytes of a 1 GiB (PUD-level) huge page.</summary>
    public const long Size1G = 1L << 30;

    /// <summary>Whether <paramref name="value"/> is a multiple of the base page size.</summary>
    public static bool IsAligned(ulong value) => (value & OffsetMask) == 0;

    /// <summary>Whether <paramref name="value"/> is a multiple of the base page size.</summary>
    public static bool IsAligned(long value) => (value & (long)OffsetMask) == 0;

    /// <summary>Number of whole pages in <paramref name="bytes"/>, rounding up.</summary>
    public static ulong CountPages(ulong bytes) => (bytes + OffsetMask) >> Shift;
}
