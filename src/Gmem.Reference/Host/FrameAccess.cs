// The frame operations the host process and the guest memory file need from memory management, over
// one MemoryManager (Mm/): the buddy allocator for anonymous pages, memfd pages and base gmem folios,
// huge-page reservations for Hugetlb files, the direct map, and content copies.
//
// Content copies here are user or hardware accesses (through a host page table entry or a stage-2
// leaf), so they go to PhysicalMemory directly, not through the direct map; only zeroing (a kernel
// clear_page) goes through the direct map's view, before a NoDirectMap frame leaves it.
//
// Locking: none of its own; each Mm component locks itself. Callers' locks keep a frame from being freed
// while it is copied.

using Gmem.Reference.Mm;

namespace Gmem.Reference.Host;

/// <summary>Allocation, freeing and content access of frames for the host and guest memory files.</summary>
internal sealed class FrameAccess : IDisposable
{
    private readonly FrameOwner _anonymous = FrameOwner.New(FrameOwnerKind.Anonymous);

    /// <summary>Creates the memory of one Reference host.</summary>
    public FrameAccess(ReferenceOptions options)
    {
        Mm = new MemoryManager(options);
    }

    /// <summary>The memory management underneath.</summary>
    public MemoryManager Mm { get; }

    /// <summary>Frames currently allocated (buddy and pool).</summary>
    public long AllocatedFrames => (long)(Mm.TotalFrames - Mm.FreeFrames);

    /// <summary>A zeroed anonymous frame.</summary>
    /// <exception cref="GmemException">ENOMEM.</exception>
    public Pfn AllocateAnonymous()
    {
        Folio folio = Mm.Allocator.Allocate(0, _anonymous);
        Mm.ZeroOnFirstUse(folio);
        return folio.Head;
    }

    /// <summary>Frees an anonymous frame.</summary>
    public void FreeAnonymous(Pfn frame) => Mm.Free(new Folio(frame, 0));

    /// <summary>A folio of 2^<paramref name="order"/> frames from the buddy allocator for <paramref name="owner"/>; not zeroed.</summary>
    /// <exception cref="GmemException">ENOMEM.</exception>
    public Folio AllocateFolio(int order, FrameOwner owner) => Mm.Allocator.Allocate(order, owner);

    /// <summary>Reserves <paramref name="pages"/> huge pages of <paramref name="order"/> for <paramref name="owner"/>.</summary>
    /// <exception cref="GmemException">ENOMEM: the pool cannot promise them.</exception>
    public HugePageReservation ReserveHuge(int order, long pages, FrameOwner owner) =>
        pages > int.MaxValue
            ? throw new GmemException("hugetlb_reserve_pages", Errno.ENOMEM)
            : Mm.HugePages.Reserve(order, (int)pages, owner);

    /// <summary>
    /// Gives a folio back: releases an exclusive pin, restores the direct map if the frames left it, then
    /// frees the owner's reference (buddy or pool).
    /// </summary>
    public void FreeFolio(Folio folio, bool directMapRemoved)
    {
        Mm.Pins.ReleaseExclusiveOnFree(folio);
        if (directMapRemoved)
        {
            Mm.DirectMap.Restore(folio);
        }
        Mm.Free(folio);
    }

    /// <summary>Zeroes the folio unless already initialised (zero on first use); returns whether it zeroed.</summary>
    public bool ZeroOnFirstUse(Folio folio) => Mm.ZeroOnFirstUse(folio);

    /// <summary>Marks the folio's content initialised (populate wrote it).</summary>
    public void SetUptodate(Folio folio) => Mm.Frames.SetUptodate(folio);

    /// <summary>Removes the folio's frames from the direct map.</summary>
    public void RemoveFromDirectMap(Folio folio) => Mm.DirectMap.Remove(folio);

    /// <summary>Whether a frame is in the direct map.</summary>
    public bool IsInDirectMap(Pfn frame) => Mm.DirectMap.IsMapped(frame);

    /// <summary>Copies from a frame through a user mapping or a stage-2 leaf.</summary>
    public void Read(Pfn frame, int offset, Span<byte> destination) => Mm.Memory.Read(frame, offset, destination);

    /// <summary>Copies into a frame through a user mapping or a stage-2 leaf.</summary>
    public void Write(Pfn frame, int offset, ReadOnlySpan<byte> source) => Mm.Memory.Write(frame, offset, source);

    /// <summary>Copies a whole frame.</summary>
    public void CopyFrame(Pfn source, Pfn destination) => Mm.Memory.CopyFrames(source, destination, 1);

    /// <summary>Unmaps the arena (only when nothing refers to a frame any more).</summary>
    public void Dispose() => Mm.Dispose();
}
