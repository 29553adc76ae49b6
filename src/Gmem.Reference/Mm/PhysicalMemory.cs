// PhysicalMemory: the host's physical memory, one arena of 4 KiB frames numbered by Pfn.
//
// Data model. The arena is three segments laid out back to back in frame-number space, starting at
// FirstPfnValue (1 GiB, so default(Pfn) is never a frame):
//
//   [Huge1G: HugePages1G x 1 GiB][Normal: MemoryBytes rounded up to 2 MiB][Huge2M: HugePages2M x 2 MiB]
//
// Huge1G comes first so its frames are 1 GiB aligned; Normal and Huge2M are 2 MiB aligned. There are no
// gaps, so the FrameTable describes exactly the arena. Each segment is backed by its own host memory:
//   - Normal: a Linux memfd (shmem) mapped MAP_SHARED; pages are allocated by the host on first touch,
//     so a 1 GiB arena reserves only address space.
//   - Huge2M: a MFD_HUGETLB|MFD_HUGE_2MB memfd when ReferenceOptions.UseHostHugePages and the host can
//     reserve every page at mmap time; otherwise an ordinary memfd. Backing says which one it got.
//   - Huge1G: MFD_HUGE_1GB the same way (rarely available), otherwise an ordinary memfd.
//   - Non-Linux hosts (or memfd_create failing): anonymous memory.
// The pool frames (Huge2M, Huge1G) are part of the arena's frame space but never enter the buddy
// allocator: HugePagePool owns them from boot, like hugetlb pages allocated at boot time.
//
// Memory of a memfd segment can be mapped a second time (MapView): a real mmap of the same pages, for
// host views. Discard punches the memfd, giving pages back to the host; they then read as zero.
//
// Locking. None: like real memory, bytes are read and written without synchronisation; who may touch
// which frame is decided by the frame metadata (FrameTable), the direct map and the owners. Copies hold a
// reference on the segment mapping (SafeHandle ref count) so a concurrent Dispose cannot unmap under them.
using System.Runtime.InteropServices;

namespace Gmem.Reference.Mm;

/// <summary>The host's physical memory: one arena of frames, in three segments (normal, 2 MiB pool, 1 GiB pool).</summary>
public sealed class PhysicalMemory : IDisposable
{
    /// <summary>The first frame of the arena (physical address 1 GiB, so that <c>default(Pfn)</c> is never a frame).</summary>
    public const ulong FirstPfnValue = 1UL << 18;

    private const long ChunkBytes = 1L << 30;
    private readonly ArenaSegment[] _segments;
    private readonly ArenaSegment _huge1G;
    private readonly ArenaSegment _normal;
    private readonly ArenaSegment _huge2M;

    /// <summary>Creates the arena described by <paramref name="options"/> (memory is reserved lazily).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, or the normal memory is empty or beyond 1 TiB.</exception>
    public PhysicalMemory(ReferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MemoryBytes, 0L, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MemoryBytes, 1L << 40, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.HugePages2M, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.HugePages1G, nameof(options));

        ulong normalFrames = (ulong)((options.MemoryBytes + Page.Size2M - 1) & ~(Page.Size2M - 1)) >> Page.Shift;
        ulong huge1GFrames = (ulong)options.HugePages1G << Folio.Order1G;
        ulong huge2MFrames = (ulong)options.HugePages2M << Folio.Order2M;
        var first = new Pfn(FirstPfnValue);

        var created = new List<ArenaSegment>(3);
        try
        {
            created.Add(_huge1G = ArenaSegment.Create(PhysicalSegmentKind.Huge1G, first, huge1GFrames,
                options.UseHostHugePages ? Interop.Libc.MFD_HUGE_1GB : 0, "gmem-huge1g"));
            created.Add(_normal = ArenaSegment.Create(PhysicalSegmentKind.Normal, first + huge1GFrames, normalFrames, 0, "gmem-frames"));
            created.Add(_huge2M = ArenaSegment.Create(PhysicalSegmentKind.Huge2M, first + huge1GFrames + normalFrames, huge2MFrames,
                options.UseHostHugePages ? Interop.Libc.MFD_HUGE_2MB : 0, "gmem-huge2m"));
        }
        catch
        {
            created.ForEach(s => s.Dispose());
            throw;
        }

        _segments = [.. created];
        First = first;
        End = _huge2M.Segment.End;
    }

    /// <summary>The first frame.</summary>
    public Pfn First { get; }

    /// <summary>The frame after the last one.</summary>
    public Pfn End { get; }

    /// <summary>Frames in the arena.</summary>
    public ulong Frames => End.Value - First.Value;

    /// <summary>The ordinary frames (buddy allocator).</summary>
    public PhysicalSegment Normal => _normal.Segment;

    /// <summary>The 2 MiB pool frames.</summary>
    public PhysicalSegment Huge2M => _huge2M.Segment;

    /// <summary>The 1 GiB pool frames.</summary>
    public PhysicalSegment Huge1G => _huge1G.Segment;

    /// <summary>The three segments, in frame order.</summary>
    public IReadOnlyList<PhysicalSegment> Segments => [.. _segments.Select(s => s.Segment)];

    /// <summary>Whether <paramref name="frame"/> is backed by memory.</summary>
    public bool Contains(Pfn frame) => frame >= First && frame < End;

    /// <summary>Copies bytes starting <paramref name="offset"/> bytes into <paramref name="frame"/> (may run on into following frames of the same segment).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public unsafe void Read(Pfn frame, long offset, Span<byte> destination)
    {
        ArenaSegment segment = Locate(frame, offset, destination.Length, out long at);
        bool added = false;
        try
        {
            // SAFETY: Locate checked [at, +length) lies inside the segment's mapping; the reference taken
            // here keeps the mapping from being unmapped until the copy is done.
            segment.Mapping!.DangerousAddRef(ref added);
            new ReadOnlySpan<byte>(segment.Base + at, destination.Length).CopyTo(destination);
        }
        finally
        {
            if (added)
            {
                segment.Mapping!.DangerousRelease();
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> bytes into <paramref name="frame"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public unsafe void Write(Pfn frame, long offset, ReadOnlySpan<byte> source)
    {
        ArenaSegment segment = Locate(frame, offset, source.Length, out long at);
        bool added = false;
        try
        {
            // SAFETY: as in Read — bounds checked by Locate, mapping referenced for the copy.
            segment.Mapping!.DangerousAddRef(ref added);
            source.CopyTo(new Span<byte>(segment.Base + at, source.Length));
        }
        finally
        {
            if (added)
            {
                segment.Mapping!.DangerousRelease();
            }
        }
    }

    /// <summary>Sets every byte of <paramref name="frames"/> frames from <paramref name="first"/> to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public void Fill(Pfn first, ulong frames, byte value) => ForEachChunk(first, frames, span => span.Fill(value));

    /// <summary>
    /// Zeroes <paramref name="frames"/> frames from <paramref name="first"/>, with non-temporal stores where the
    /// CPU has them (like the kernel's <c>clear_page</c> variants): zeroing on first use does not evict the
    /// cache for memory the guest may not read soon.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public void Zero(Pfn first, ulong frames) => Zero(first, frames, fence: true);

    /// <summary>Zeroes the frames; without <paramref name="fence"/> the caller runs <see cref="FrameZeroing.Fence"/> before publishing them.</summary>
    internal unsafe void Zero(Pfn first, ulong frames, bool fence)
    {
        for (ulong done = 0; done < frames;)
        {
            ulong step = Math.Min(frames - done, (ulong)(ChunkBytes >> Page.Shift));
            long length = (long)(step << Page.Shift);
            ArenaSegment segment = Locate(first + done, 0, length, out long at);
            bool added = false;
            try
            {
                // SAFETY: bounds checked by Locate, mapping referenced while zeroing.
                segment.Mapping!.DangerousAddRef(ref added);
                FrameZeroing.Zero(segment.Base + at, (nuint)length, fence);
            }
            finally
            {
                if (added)
                {
                    segment.Mapping!.DangerousRelease();
                }
            }

            done += step;
        }
    }

    /// <summary>Zeroes the whole folio.</summary>
    public void Zero(Folio folio) => Zero(folio.Head, folio.Frames);

    /// <summary>Whether every byte of the frames is zero.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public bool IsZero(Pfn first, ulong frames)
    {
        bool zero = true;
        ForEachChunk(first, frames, span => zero &= !span.ContainsAnyExcept((byte)0));
        return zero;
    }

    /// <summary>Whether the bytes at <paramref name="offset"/> into <paramref name="frame"/> equal <paramref name="expected"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public unsafe bool ContentEquals(Pfn frame, long offset, ReadOnlySpan<byte> expected)
    {
        ArenaSegment segment = Locate(frame, offset, expected.Length, out long at);
        bool added = false;
        try
        {
            // SAFETY: as in Read.
            segment.Mapping!.DangerousAddRef(ref added);
            return new ReadOnlySpan<byte>(segment.Base + at, expected.Length).SequenceEqual(expected);
        }
        finally
        {
            if (added)
            {
                segment.Mapping!.DangerousRelease();
            }
        }
    }

    /// <summary>Copies whole frames (folio migration). The ranges must not overlap.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A range leaves its segment or the ranges overlap.</exception>
    public unsafe void CopyFrames(Pfn source, Pfn destination, ulong frames)
    {
        if (source < destination + frames && destination < source + frames)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), $"[{source}, +{frames}) and [{destination}, +{frames}) overlap.");
        }

        for (ulong done = 0; done < frames;)
        {
            ulong step = Math.Min(frames - done, (ulong)(ChunkBytes >> Page.Shift));
            int length = checked((int)(step << Page.Shift));
            ArenaSegment from = Locate(source + done, 0, length, out long fromAt);
            ArenaSegment to = Locate(destination + done, 0, length, out long toAt);
            bool addedFrom = false, addedTo = false;
            try
            {
                // SAFETY: both ranges bounds-checked by Locate and referenced for the copy.
                from.Mapping!.DangerousAddRef(ref addedFrom);
                to.Mapping!.DangerousAddRef(ref addedTo);
                new ReadOnlySpan<byte>(from.Base + fromAt, length).CopyTo(new Span<byte>(to.Base + toAt, length));
            }
            finally
            {
                if (addedFrom)
                {
                    from.Mapping!.DangerousRelease();
                }

                if (addedTo)
                {
                    to.Mapping!.DangerousRelease();
                }
            }

            done += step;
        }
    }

    /// <summary>Gives the host memory behind the frames back to the host; they read as zero afterwards.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public void Discard(Pfn first, ulong frames)
    {
        ArenaSegment segment = Locate(first, 0, (long)(frames << Page.Shift), out long at);
        if (!segment.TryDiscard(at, (long)(frames << Page.Shift)))
        {
            Zero(first, frames);
        }
    }

    /// <summary>
    /// Maps the frames a second time (a real <c>mmap</c> of the backing memfd, so writes through either
    /// view are seen by the other). Dispose the returned buffer to unmap it. On a hugetlb segment the
    /// range must be 2 MiB aligned.
    /// </summary>
    /// <exception cref="GmemException"><see cref="Errno.ENODEV"/>: the segment is anonymous memory; the mmap errno otherwise.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the segment.</exception>
    public SafeBuffer MapView(Pfn first, ulong frames)
    {
        long bytes = (long)(frames << Page.Shift);
        ArenaSegment segment = Locate(first, 0, bytes, out long at);
        return segment.MapView(at, bytes);
    }

    /// <summary>
    /// A span over <paramref name="frames"/> frames from <paramref name="first"/> (internal hot paths). The
    /// caller keeps the <see cref="MemoryManager"/> alive while it uses the span.
    /// </summary>
    internal unsafe Span<byte> GetSpan(Pfn first, int frames)
    {
        int length = checked(frames << Page.Shift);
        ArenaSegment segment = Locate(first, 0, length, out long at);
        // SAFETY: bounds checked by Locate; the mapping lives until Dispose, which the owner of this
        // PhysicalMemory runs only after every user of the span is gone (MemoryManager disposal order).
        return new Span<byte>(segment.Base + at, length);
    }

    /// <summary>Unmaps the arena and closes the memfds.</summary>
    public void Dispose()
    {
        foreach (ArenaSegment segment in _segments)
        {
            segment.Dispose();
        }
    }

    private unsafe void ForEachChunk(Pfn first, ulong frames, SpanAction action)
    {
        for (ulong done = 0; done < frames;)
        {
            ulong step = Math.Min(frames - done, (ulong)(ChunkBytes >> Page.Shift));
            int length = checked((int)(step << Page.Shift));
            ArenaSegment segment = Locate(first + done, 0, length, out long at);
            bool added = false;
            try
            {
                // SAFETY: bounds checked by Locate, mapping referenced while the action runs.
                segment.Mapping!.DangerousAddRef(ref added);
                action(new Span<byte>(segment.Base + at, length));
            }
            finally
            {
                if (added)
                {
                    segment.Mapping!.DangerousRelease();
                }
            }

            done += step;
        }
    }

    private ArenaSegment Locate(Pfn frame, long offset, long length, out long byteOffset)
    {
        foreach (ArenaSegment segment in _segments)
        {
            PhysicalSegment s = segment.Segment;
            if (s.Contains(frame))
            {
                long start = (long)((frame.Value - s.First.Value) << Page.Shift);
                if (offset < 0 || length < 0 || offset > s.Bytes - start || length > s.Bytes - start - offset)
                {
                    break;
                }

                byteOffset = start + offset;
                return segment;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(frame), $"[{frame} + 0x{offset:x}, +0x{length:x}) is outside the frame arena's segments.");
    }

    private delegate void SpanAction(Span<byte> span);
}
