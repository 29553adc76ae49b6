using System.Runtime.InteropServices;

namespace Gmem.Reference.Mm;

/// <summary>The host's physical memory: one arena of frames (see the header comment of the implementation).</summary>
public sealed class PhysicalMemory : IDisposable
{
    /// <summary>The first frame of the arena (physical address 1 GiB, so that <c>default(Pfn)</c> is never a frame).</summary>
    public const ulong FirstPfnValue = 1UL << 18;

    /// <summary>Creates the arena described by <paramref name="options"/>.</summary>
    public PhysicalMemory(ReferenceOptions options) => throw new NotImplementedException();

    /// <summary>The first frame.</summary>
    public Pfn First => throw new NotImplementedException();

    /// <summary>The frame after the last one.</summary>
    public Pfn End => throw new NotImplementedException();

    /// <summary>Frames in the arena, gaps between segments included.</summary>
    public ulong Frames => throw new NotImplementedException();

    /// <summary>The ordinary frames (buddy allocator).</summary>
    public PhysicalSegment Normal => throw new NotImplementedException();

    /// <summary>The 2 MiB pool frames.</summary>
    public PhysicalSegment Huge2M => throw new NotImplementedException();

    /// <summary>The 1 GiB pool frames.</summary>
    public PhysicalSegment Huge1G => throw new NotImplementedException();

    /// <summary>The three segments.</summary>
    public IReadOnlyList<PhysicalSegment> Segments => throw new NotImplementedException();

    /// <summary>Whether <paramref name="frame"/> is backed by memory.</summary>
    public bool Contains(Pfn frame) => throw new NotImplementedException();

    /// <summary>Copies bytes starting <paramref name="offset"/> bytes into <paramref name="frame"/> (may run on into following frames of the same segment).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public void Read(Pfn frame, long offset, Span<byte> destination) => throw new NotImplementedException();

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> bytes into <paramref name="frame"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public void Write(Pfn frame, long offset, ReadOnlySpan<byte> source) => throw new NotImplementedException();

    /// <summary>Sets every byte of <paramref name="frames"/> frames from <paramref name="first"/> to <paramref name="value"/>.</summary>
    public void Fill(Pfn first, ulong frames, byte value) => throw new NotImplementedException();

    /// <summary>Zeroes <paramref name="frames"/> frames from <paramref name="first"/>.</summary>
    public void Zero(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>Zeroes the whole folio.</summary>
    public void Zero(Folio folio) => throw new NotImplementedException();

    /// <summary>Whether every byte of the frames is zero.</summary>
    public bool IsZero(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>Whether the bytes at <paramref name="offset"/> into <paramref name="frame"/> equal <paramref name="expected"/>.</summary>
    public bool ContentEquals(Pfn frame, long offset, ReadOnlySpan<byte> expected) => throw new NotImplementedException();

    /// <summary>Copies whole frames (folio migration).</summary>
    public void CopyFrames(Pfn source, Pfn destination, ulong frames) => throw new NotImplementedException();

    /// <summary>Gives the host memory behind the frames back to the host; they read as zero afterwards.</summary>
    public void Discard(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>
    /// Maps the frames a second time (a real <c>mmap</c> of the backing memfd, so writes through either
    /// view are seen by the other). Dispose the returned buffer to unmap it.
    /// </summary>
    /// <exception cref="GmemException"><see cref="Errno.ENODEV"/>: the segment is anonymous memory.</exception>
    public SafeBuffer MapView(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>A span over <paramref name="frames"/> frames from <paramref name="first"/> (internal hot paths).</summary>
    internal Span<byte> GetSpan(Pfn first, int frames) => throw new NotImplementedException();

    /// <summary>Unmaps the arena and closes the memfds.</summary>
    public void Dispose() => throw new NotImplementedException();
}
