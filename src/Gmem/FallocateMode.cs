namespace Gmem;

/// <summary>The two fallocate modes a guest memory file supports.</summary>
public enum FallocateMode
{
    /// <summary><c>FALLOC_FL_KEEP_SIZE</c>: allocate the holes of a range.</summary>
    Allocate,
    /// <summary><c>FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE</c>: free a range.</summary>
    PunchHole,
}

/// <summary>The kernel's raw fallocate mode bits, for the raw overload of <see cref="IGuestMemfd.Fallocate(int, long, long)"/>.</summary>
public static class FallocateFlags
{
    /// <summary>FALLOC_FL_KEEP_SIZE.</summary>
    public const int KeepSize = 0x01;
    /// <summary>FALLOC_FL_PUNCH_HOLE.</summary>
    public const int PunchHole = 0x02;
    /// <summary>FALLOC_FL_COLLAPSE_RANGE.</summary>
    public const int CollapseRange = 0x08;
    /// <summary>FALLOC_FL_ZERO_RANGE.</summary>
    public const int ZeroRange = 0x10;
    /// <summary>FALLOC_FL_INSERT_RANGE.</summary>
    public const int InsertRange = 0x20;
    /// <summary>FALLOC_FL_UNSHARE_RANGE.</summary>
    public const int UnshareRange = 0x40;

    /// <summary>The raw bits of a <see cref="FallocateMode"/>.</summary>
    public static int ToRaw(FallocateMode mode) => mode switch
    {
        FallocateMode.Allocate => KeepSize,
        FallocateMode.PunchHole => KeepSize | PunchHole,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
