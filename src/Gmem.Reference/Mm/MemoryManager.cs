// MemoryManager: the memory management of one Reference host (the Mm/ directory in one object).
//
//   PhysicalMemory  the frame arena (memfd / hugetlb memfd / anonymous), bytes only
//   FrameTable      16 bytes of metadata per frame: refcount, pins, flags, order, owner
//   PageAllocator   buddy allocator of the normal segment, orders 0-18, no zeroing
//   HugePagePool    2 MiB / 1 GiB pool segments, reservations, split / merge
//   Pins            GUP pins: normal, long-term, exclusive
//   DirectMap       the kernel linear map: removal / restore, split and TLB-flush counters
//   KernelAccess    kernel copies through the direct map (EFAULT on a removed frame)
//
// How the guest memory file uses it (the contract):
//   allocate:     Allocator.Allocate(0, owner)            or reservation.Allocate() for hugetlb files
//   first use:    ZeroOnFirstUse(folio)                   (frames are not zeroed on allocation)
//   private:      DirectMap.Remove(folio) for NoDirectMap files; DirectMap.Restore before freeing
//   share:        Pins.ReleaseExclusiveOnShare(first, frames)
//   free:         Pins.ReleaseExclusiveOnFree(folio); DirectMap.Restore(folio) if removed; Free(folio)
//   4 KiB punch of a huge folio: HugePages.Split(folio), then Free each piece; the huge page returns to
//                 the pool when the last piece is freed; HugePages.TryAllocatePiece / TryMerge refill.
// Locking: each component documents its own; none calls back into another while holding its lock,
// except FrameTable.Put, which runs the allocator's release (taking only that allocator's lock).
namespace Gmem.Reference.Mm;

/// <summary>
/// The memory management of one Reference host: the frame arena and everything that manages it. One per
/// <see cref="ReferenceHypervisor"/>; Dispose last, after every VM and file.
/// </summary>
public sealed class MemoryManager : IDisposable
{
    /// <summary>Builds the arena, frame table, buddy allocator, huge-page pool, pins, direct map and kernel access for <paramref name="options"/>.</summary>
    public MemoryManager(ReferenceOptions? options = null)
    {
        Memory = new PhysicalMemory(options ?? new ReferenceOptions());
        Frames = new FrameTable(Memory.First, Memory.Frames);
        Allocator = new PageAllocator(Frames, Memory.Normal);
        HugePages = new HugePagePool(Frames, Memory.Huge2M, Memory.Huge1G);
        Pins = new Pins(Frames);
        DirectMap = new DirectMap(Frames);
        KernelAccess = new KernelAccess(Memory, DirectMap);
    }

    /// <summary>The frames' memory.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The frames' metadata.</summary>
    public FrameTable Frames { get; }

    /// <summary>The buddy allocator of ordinary frames.</summary>
    public PageAllocator Allocator { get; }

    /// <summary>The huge-page pool.</summary>
    public HugePagePool HugePages { get; }

    /// <summary>GUP pins.</summary>
    public Pins Pins { get; }

    /// <summary>The kernel direct map.</summary>
    public DirectMap DirectMap { get; }

    /// <summary>Kernel copies through the direct map.</summary>
    public KernelAccess KernelAccess { get; }

    /// <summary>Frames of the buddy allocator and the pool together.</summary>
    public ulong TotalFrames => Allocator.TotalFrames + Memory.Huge2M.Frames + Memory.Huge1G.Frames;

    /// <summary>Free frames of the buddy allocator and the pool together (equals <see cref="TotalFrames"/> when everything is disposed).</summary>
    public ulong FreeFrames =>
        Allocator.FreeFrames
        + ((ulong)HugePages.FreePages(Folio.Order2M) << Folio.Order2M)
        + ((ulong)HugePages.FreePages(Folio.Order1G) << Folio.Order1G);

    /// <summary>The owner gives up <paramref name="folio"/>, wherever it came from (buddy or pool).</summary>
    /// <exception cref="InvalidOperationException">The folio is not allocated, or was already freed.</exception>
    public void Free(Folio folio)
    {
        if (HugePages.Contains(folio.Head))
        {
            HugePages.Free(folio);
        }
        else
        {
            Allocator.Free(folio);
        }
    }

    /// <summary>Zeroes the folio unless its content is already initialised, and marks it so. Returns whether it zeroed.</summary>
    /// <remarks>The owner serialises first use of its folio (the guest memory file holds its lock).</remarks>
    public bool ZeroOnFirstUse(Folio folio)
    {
        if (Frames.IsUptodate(folio))
        {
            return false;
        }

        Memory.Zero(folio);
        Frames.SetUptodate(folio);
        return true;
    }

    /// <summary>
    /// Zeroes every folio of <paramref name="folios"/> not yet initialised and marks them, with one store fence
    /// for the batch (fallocate / populate of a range). Returns how many it zeroed.
    /// </summary>
    /// <remarks>The owner serialises first use of its folios.</remarks>
    public int ZeroOnFirstUse(ReadOnlySpan<Folio> folios)
    {
        int zeroed = 0;
        foreach (Folio folio in folios)
        {
            if (!Frames.IsUptodate(folio))
            {
                Memory.Zero(folio.Head, folio.Frames, fence: false);
                zeroed++;
            }
        }

        // Every zero store is visible before any folio is marked initialised.
        FrameZeroing.Fence();
        foreach (Folio folio in folios)
        {
            Frames.SetUptodate(folio);
        }

        return zeroed;
    }

    /// <summary>The memory-management invariants that do not hold right now (empty when all hold). Call while nothing else runs.</summary>
    public IReadOnlyList<string> CheckInvariants() => MmInvariants.Check(this);

    /// <summary>Unmaps the arena.</summary>
    public void Dispose() => Memory.Dispose();
}
