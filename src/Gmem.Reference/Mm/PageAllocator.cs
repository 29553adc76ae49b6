// PageAllocator: the buddy allocator of the arena's normal segment (the kernel's zone free lists).
//
// Data model. Free memory is a set of blocks of 2^order frames (order 0..MaxOrder = 18), each aligned to
// its size relative to the segment start (which is itself 1 GiB aligned, so a block is aligned to its
// size in frame numbers too). Each order has a doubly linked free list threaded through the FrameTable:
// a free block's first frame has FrameFlags.Buddy, its order, and FreePrev/FreeNext (table indices).
// Allocation pops the smallest sufficient block and splits it, pushing the upper halves; free merges a
// block with its buddy (offset ^ 2^order) while the buddy is a free block of the same order.
//
// Frames are NOT zeroed on allocation or free. Callers zero on first use: FrameFlags.Uptodate is clear on
// a fresh folio, MemoryManager.ZeroOnFirstUse zeroes and sets it.
//
// Ownership. Allocate returns a folio with one reference (the owner's) and every frame marked with the
// owner. Free drops the owner's reference (FrameTable.ReleaseByOwner); the frames come back here, through
// IFolioReleaser, when the last reference (pins) is gone.
//
// Locking. One lock (_lock, the zone lock) protects the free lists and counters. Marking an allocated
// folio's frames and clearing a released folio's frames happen outside it: those frames belong to
// nobody else at that moment. Safe to call from any thread.
using System.Diagnostics;

namespace Gmem.Reference.Mm;

/// <summary>The buddy allocator of the normal segment: folios of order 0–18, not zeroed.</summary>
public sealed class PageAllocator : IFolioReleaser
{
    /// <summary>The largest order (2^18 frames = 1 GiB).</summary>
    public const int MaxOrder = 18;

    private readonly Lock _lock = new();
    private readonly FrameTable _frames;
    private readonly PhysicalSegment _segment;
    private readonly ulong _base;
    private readonly uint[] _freeHead = new uint[MaxOrder + 1];
    private readonly int[] _freeBlocks = new int[MaxOrder + 1];
    private ulong _freeFrames;

    internal PageAllocator(FrameTable frames, PhysicalSegment segment)
    {
        _frames = frames;
        _segment = segment;
        _base = frames.IndexOf(segment.First);
        Array.Fill(_freeHead, FrameEntry.NoLink);
        ulong offset = 0;
        while (offset < segment.Frames)
        {
            int order = MaxOrder;
            while (order > 0 && ((offset & ((1UL << order) - 1)) != 0 || offset + (1UL << order) > segment.Frames))
            {
                order--;
            }

            PushLocked(offset, order);
            offset += 1UL << order;
        }

        frames.RegisterReleaser(segment, this);
    }

    /// <summary>Frames managed by the allocator.</summary>
    public ulong TotalFrames => _segment.Frames;

    /// <summary>Frames currently free.</summary>
    public ulong FreeFrames => Volatile.Read(ref _freeFrames);

    /// <summary>Free blocks of <paramref name="order"/>.</summary>
    public int FreeBlocks(int order)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(order);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MaxOrder);
        lock (_lock)
        {
            return _freeBlocks[order];
        }
    }

    /// <summary>Allocates a folio of <paramref name="order"/> for <paramref name="owner"/> with one reference. Its content is NOT zeroed.</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: no free block of that order.</exception>
    public Folio Allocate(int order, FrameOwner owner)
    {
        if (!TryAllocate(order, owner, out Folio folio))
        {
            throw new GmemException("alloc_pages", Errno.ENOMEM, $"No free block of order {order} ({FreeFrames} frames free).");
        }

        return folio;
    }

    /// <summary>Like <see cref="Allocate"/>, returning false when memory is exhausted.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="order"/> is outside 0–18.</exception>
    /// <exception cref="ArgumentException"><paramref name="owner"/> is none or the pool.</exception>
    public bool TryAllocate(int order, FrameOwner owner, out Folio folio)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(order);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, MaxOrder);
        if (!FrameTable.IsAllocatedKind(owner.Kind))
        {
            throw new ArgumentException($"{owner} cannot own allocated frames.", nameof(owner));
        }

        ulong offset;
        lock (_lock)
        {
            int found = order;
            while (found <= MaxOrder && _freeHead[found] == FrameEntry.NoLink)
            {
                found++;
            }

            if (found > MaxOrder)
            {
                folio = default;
                return false;
            }

            offset = _freeHead[found] - _base;
            RemoveLocked(offset, found);
            while (found > order)
            {
                found--;
                PushLocked(offset + (1UL << found), found);
            }
        }

        folio = new Folio(_segment.First + offset, order);
        MarkAllocated(_frames, folio, owner, FrameFlags.None);
        return true;
    }

    /// <summary>The owner gives the folio up (drops its reference); the frames are free once every pin is gone.</summary>
    /// <exception cref="InvalidOperationException">The folio is not allocated, or was already freed.</exception>
    public void Free(Folio folio)
    {
        if (!_segment.Contains(folio.Head))
        {
            throw new InvalidOperationException($"{folio} does not belong to the buddy allocator.");
        }

        _frames.ReleaseByOwner(folio);
    }

    /// <summary>Marks every frame of a just-allocated folio with its owner; the head gets one reference.</summary>
    internal static void MarkAllocated(FrameTable frames, Folio folio, FrameOwner owner, FrameFlags extra)
    {
        ulong index = frames.IndexOf(folio.Head);
        for (ulong i = 1; i < folio.Frames; i++)
        {
            ref FrameEntry tail = ref frames.EntryAt(index + i);
            tail.PinState = 0;
            tail.OwnerId = owner.Id;
            FrameTable.SetState(ref tail, extra, folio.Order, owner.Kind);
        }

        ref FrameEntry head = ref frames.EntryAt(index);
        head.PinState = 0;
        head.OwnerId = owner.Id;
        FrameTable.SetState(ref head, FrameFlags.Head | extra, folio.Order, owner.Kind);
        Volatile.Write(ref head.RefCount, 1);
    }

    /// <summary>Clears every frame of a released folio back to "free, owned by <paramref name="kind"/>".</summary>
    internal static void MarkFree(FrameTable frames, Folio folio, FrameOwnerKind kind)
    {
        ulong index = frames.IndexOf(folio.Head);
        for (ulong i = 0; i < folio.Frames; i++)
        {
            ref FrameEntry e = ref frames.EntryAt(index + i);
            Debug.Assert(e.RefCount == 0 && PinWord.Count(e.PinState) == 0, "A released frame holds no reference and no pin.");
            e.PinState = 0;
            e.OwnerId = 0;
            FrameTable.SetState(ref e, FrameFlags.None, 0, kind);
        }
    }

    void IFolioReleaser.ReleaseFolio(Folio folio)
    {
        MarkFree(_frames, folio, FrameOwnerKind.None);
        ulong offset = folio.Head.Value - _segment.First.Value;
        int order = folio.Order;
        lock (_lock)
        {
            while (order < MaxOrder)
            {
                ulong buddy = offset ^ (1UL << order);
                if (buddy + (1UL << order) > _segment.Frames)
                {
                    break;
                }

                ref FrameEntry b = ref _frames.EntryAt(_base + buddy);
                if ((b.Flags & FrameFlags.Buddy) == 0 || b.Order != order)
                {
                    break;
                }

                RemoveLocked(buddy, order);
                offset = Math.Min(offset, buddy);
                order++;
            }

            PushLocked(offset, order);
            AssertInvariantsLocked();
        }
    }

    /// <summary>Appends a description of every inconsistency of the free lists to <paramref name="problems"/>.</summary>
    internal void CheckFreeLists(List<string> problems)
    {
        lock (_lock)
        {
            ulong frames = 0;
            for (int order = 0; order <= MaxOrder; order++)
            {
                int blocks = 0;
                uint prev = FrameEntry.NoLink;
                for (uint at = _freeHead[order]; at != FrameEntry.NoLink; at = _frames.EntryAt(at).FreeNext)
                {
                    ref FrameEntry e = ref _frames.EntryAt(at);
                    ulong offset = at - _base;
                    if ((e.Flags & FrameFlags.Buddy) == 0 || e.Order != order || e.FreePrev != prev || (offset & ((1UL << order) - 1)) != 0)
                    {
                        problems.Add($"Buddy block at {_segment.First + offset} on the order-{order} list is inconsistent.");
                        break;
                    }

                    for (ulong i = 0; i < 1UL << order; i++)
                    {
                        ref FrameEntry f = ref _frames.EntryAt(at + i);
                        if (f.OwnerKind != FrameOwnerKind.None || f.RefCount != 0)
                        {
                            problems.Add($"Frame {_segment.First + offset + i} is in a free block but owned by {f.OwnerKind} (refcount {f.RefCount}).");
                        }
                    }

                    prev = at;
                    blocks++;
                    frames += 1UL << order;
                    if (blocks > _freeBlocks[order])
                    {
                        break;
                    }
                }

                if (blocks != _freeBlocks[order])
                {
                    problems.Add($"Order-{order} list holds {blocks} blocks, the count says {_freeBlocks[order]}.");
                }
            }

            if (frames != _freeFrames)
            {
                problems.Add($"Free lists hold {frames} frames, the counter says {_freeFrames}.");
            }
        }
    }

    private void PushLocked(ulong offset, int order)
    {
        uint index = (uint)(_base + offset);
        ref FrameEntry e = ref _frames.EntryAt(index);
        FrameTable.SetState(ref e, FrameFlags.Buddy, order, FrameOwnerKind.None);
        e.FreePrev = FrameEntry.NoLink;
        e.FreeNext = _freeHead[order];
        if (e.FreeNext != FrameEntry.NoLink)
        {
            _frames.EntryAt(e.FreeNext).FreePrev = index;
        }

        _freeHead[order] = index;
        _freeBlocks[order]++;
        _freeFrames += 1UL << order;
    }

    private void RemoveLocked(ulong offset, int order)
    {
        uint index = (uint)(_base + offset);
        ref FrameEntry e = ref _frames.EntryAt(index);
        Debug.Assert((e.Flags & FrameFlags.Buddy) != 0 && e.Order == order, "Only a free block of this order is removed.");
        if (e.FreePrev == FrameEntry.NoLink)
        {
            _freeHead[order] = e.FreeNext;
        }
        else
        {
            _frames.EntryAt(e.FreePrev).FreeNext = e.FreeNext;
        }

        if (e.FreeNext != FrameEntry.NoLink)
        {
            _frames.EntryAt(e.FreeNext).FreePrev = e.FreePrev;
        }

        e.FreePrev = 0;
        e.FreeNext = 0;
        FrameTable.SetState(ref e, FrameFlags.None, 0, FrameOwnerKind.None);
        _freeBlocks[order]--;
        _freeFrames -= 1UL << order;
    }

    [Conditional("DEBUG")]
    private void AssertInvariantsLocked()
    {
        Debug.Assert(_freeFrames <= _segment.Frames, "More frames free than exist.");
    }
}
