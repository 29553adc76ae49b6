namespace Gmem.Reference.Mm;

/// <summary>A contiguous, 1 GiB-aligned range of frames of the arena with one kind of host backing.</summary>
/// <param name="Kind">What the frames are for.</param>
/// <param name="First">The first frame.</param>
/// <param name="Frames">Number of frames (0 when the segment is empty).</param>
/// <param name="Backing">The host memory behind it.</param>
public readonly record struct PhysicalSegment(PhysicalSegmentKind Kind, Pfn First, ulong Frames, HostBacking Backing)
{
    /// <summary>The frame after the last one.</summary>
    public Pfn End => First + Frames;

    /// <summary>Size in bytes.</summary>
    public long Bytes => (long)(Frames << Page.Shift);

    /// <summary>Whether <paramref name="frame"/> lies inside the segment.</summary>
    public bool Contains(Pfn frame) => frame >= First && frame < End;
}
