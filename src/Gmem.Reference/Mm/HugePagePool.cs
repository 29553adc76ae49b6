// HugePagePool: the hugetlb-style pool of 2 MiB and 1 GiB frames.
//
// Relation to the arena. The pool owns the Huge2M and Huge1G segments of PhysicalMemory outright, like
// hugetlb pages set aside at boot: their frames are never in the buddy allocator and the buddy allocator
// never sees them (FrameFlags.Pool marks them; a free pool frame has owner kind HugePagePool). Huge2M is
// backed by host huge pages when the host had them (PhysicalMemory.Huge2M.Backing).
//
// Data model. Per order (9 and 18): a stack of free huge-page indices, the number of pages promised to
// reservations and not yet allocated (_reserved), and per huge page its reservation (if it was allocated
// from one), its owner, and, once split, how many of its order-0 pieces are still allocated.
// Invariant: free pages >= reserved pages, so an allocation from a reservation never fails.
//
// Reservations. A hugetlb guest memory file reserves size / page-size pages when it is created
// (Reserve). Allocating from the reservation takes a promised page; when that page comes back to the
// pool (last reference put), the promise is renewed, so the file can fault the range again. Disposing
// the reservation (the file goes) returns every promise not in use; pages still in use (pinned after
// the file freed them) return to the unreserved free pages when their last reference goes.
//
// Split. The guest memory file may split an allocated huge folio into 2^order order-0 folios (for a
// 4 KiB punch hole or conversion): each piece has the huge folio's owner and one reference, and is freed
// on its own. A freed piece stays with its huge page (owner HugePagePool, FrameFlags.Pool); the file may
// take it again with AllocatePiece (re-fault of a punched 4 KiB), and TryMerge re-forms the huge folio
// when all pieces are allocated to the owner with no other reference. When the last piece is freed the
// whole huge page returns to the pool (and to the reservation). No frame leaks either way. Split refuses
// (EBUSY) while the folio has references beyond its owner's (pins).
//
// Locking. One lock (_lock) protects all of the above. Reference counts are atomic in the FrameTable;
// split and merge freeze them (1 -> 0 by compare-and-swap) so a racing TryGet cannot slip in.
using System.Diagnostics;

namespace Gmem.Reference.Mm;

/// <summary>The hugetlb-style pool of 2 MiB and 1 GiB frames, with reservations and split/merge.</summary>
public sealed class HugePagePool : IFolioReleaser
{
    private readonly Lock _lock = new();
    private readonly FrameTable _frames;
    private readonly HugePageSubPool _pool2M;
    private readonly HugePageSubPool _pool1G;

    internal HugePagePool(FrameTable frames, PhysicalSegment huge2M, PhysicalSegment huge1G)
    {
        _frames = frames;
        _pool2M = new HugePageSubPool(huge2M, Folio.Order2M);
        _pool1G = new HugePageSubPool(huge1G, Folio.Order1G);
        foreach (HugePageSubPool pool in new[] { _pool2M, _pool1G })
        {
            for (ulong i = 0; i < pool.Segment.Frames; i++)
            {
                ref FrameEntry e = ref frames.Entry(pool.Segment.First + i);
                Interlocked.Or(ref e.Meta, (uint)FrameFlags.Pool);
                FrameTable.SetState(ref e, FrameFlags.None, 0, FrameOwnerKind.HugePagePool);
            }

            if (pool.Segment.Frames != 0)
            {
                frames.RegisterReleaser(pool.Segment, this);
            }
        }
    }

    /// <summary>Huge pages of <paramref name="order"/> (<see cref="Folio.Order2M"/> or <see cref="Folio.Order1G"/>) in the pool.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="order"/> is neither 9 nor 18.</exception>
    public int TotalPages(int order) => PoolOf(order).Pages;

    /// <summary>Huge pages of <paramref name="order"/> not allocated (reserved or not); a split page counts as allocated.</summary>
    public int FreePages(int order)
    {
        HugePageSubPool pool = PoolOf(order);
        lock (_lock)
        {
            return pool.Free.Count;
        }
    }

    /// <summary>Huge pages of <paramref name="order"/> promised to reservations and not yet allocated.</summary>
    public int ReservedPages(int order)
    {
        HugePageSubPool pool = PoolOf(order);
        lock (_lock)
        {
            return pool.Reserved;
        }
    }

    /// <summary>Whether <paramref name="frame"/> belongs to the pool.</summary>
    public bool Contains(Pfn frame) => _pool2M.Segment.Contains(frame) || _pool1G.Segment.Contains(frame);

    /// <summary>Reserves <paramref name="pages"/> huge pages of <paramref name="order"/> for <paramref name="owner"/> (taken when a file is created).</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: not enough unreserved free huge pages.</exception>
    public HugePageReservation Reserve(int order, int pages, FrameOwner owner)
    {
        HugePageSubPool pool = PoolOf(order);
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        CheckOwner(owner);
        lock (_lock)
        {
            if (pool.Free.Count - pool.Reserved < pages)
            {
                throw new GmemException("hugetlb_reserve_pages", Errno.ENOMEM,
                    $"{pages} huge pages of order {order} wanted, {pool.Free.Count - pool.Reserved} unreserved free.");
            }

            pool.Reserved += pages;
            return new HugePageReservation(this, order, pages, owner);
        }
    }

    /// <summary>Allocates a huge folio from the unreserved free pages (no reservation); false when there is none.</summary>
    public bool TryAllocate(int order, FrameOwner owner, out Folio folio)
    {
        HugePageSubPool pool = PoolOf(order);
        CheckOwner(owner);
        lock (_lock)
        {
            if (pool.Free.Count - pool.Reserved <= 0)
            {
                folio = default;
                return false;
            }

            folio = AllocateLocked(pool, owner, null);
        }

        PageAllocator.MarkAllocated(_frames, folio, owner, FrameFlags.None);
        return true;
    }

    /// <summary>The owner gives up a huge folio, or an order-0 piece of a split one.</summary>
    /// <exception cref="InvalidOperationException">The folio is not an allocated pool folio, or was already freed.</exception>
    public void Free(Folio folio)
    {
        if (!Contains(folio.Head))
        {
            throw new InvalidOperationException($"{folio} does not belong to the huge-page pool.");
        }

        _frames.ReleaseByOwner(folio);
    }

    /// <summary>Splits an allocated huge folio into order-0 folios, each with one owner reference (uptodate if the folio was).</summary>
    /// <exception cref="GmemException"><see cref="Errno.EBUSY"/>: the folio has references beyond its owner's (pins), or its owner freed it.</exception>
    /// <exception cref="InvalidOperationException">The folio is not an allocated huge pool folio.</exception>
    public void Split(Folio folio)
    {
        HugePageSubPool pool = PoolFor(folio.Head);
        if (folio.Order != pool.Order || !_frames.TryGetFolio(folio.Head, out Folio current) || current != folio)
        {
            throw new InvalidOperationException($"{folio} is not an allocated huge folio of the pool.");
        }

        lock (_lock)
        {
            ref FrameEntry head = ref _frames.Entry(folio.Head);
            if ((head.Flags & FrameFlags.Orphan) != 0 || Interlocked.CompareExchange(ref head.RefCount, 0, 1) != 1)
            {
                throw new GmemException("split_huge_page", Errno.EBUSY, $"{folio} holds references beyond its owner's.");
            }

            FrameFlags uptodate = head.Flags & FrameFlags.Uptodate;
            var owner = new FrameOwner(head.OwnerKind, head.OwnerId);
            for (ulong i = 0; i < folio.Frames; i++)
            {
                ref FrameEntry e = ref _frames.Entry(folio.Head + i);
                FrameTable.SetState(ref e, FrameFlags.Head | FrameFlags.Split | uptodate, 0, owner.Kind);
                Volatile.Write(ref e.RefCount, 1);
            }

            pool.SplitPieces[pool.IndexOf(folio.Head)] = (int)folio.Frames;
        }
    }

    /// <summary>Takes the free piece <paramref name="frame"/> of a split huge page again for its owner; false if it is not such a piece.</summary>
    public bool TryAllocatePiece(Pfn frame, FrameOwner owner, out Folio folio)
    {
        folio = default;
        if (!Contains(frame))
        {
            return false;
        }

        HugePageSubPool pool = PoolFor(frame);
        lock (_lock)
        {
            int index = pool.IndexOf(frame);
            ref FrameEntry e = ref _frames.Entry(frame);
            if (pool.SplitPieces[index] == 0 || pool.Owner[index] != owner || e.OwnerKind != FrameOwnerKind.HugePagePool)
            {
                return false;
            }

            pool.SplitPieces[index]++;
            folio = new Folio(frame, 0);
            PageAllocator.MarkAllocated(_frames, folio, owner, FrameFlags.Split);
            return true;
        }
    }

    /// <summary>
    /// Re-forms the huge folio at <paramref name="head"/> if it was split and every piece is allocated to its
    /// owner with one reference and no pin, and the pieces are all uptodate or all not.
    /// </summary>
    public bool TryMerge(Pfn head, out Folio folio)
    {
        folio = default;
        if (!Contains(head))
        {
            return false;
        }

        HugePageSubPool pool = PoolFor(head);
        lock (_lock)
        {
            int index = pool.IndexOf(head);
            ulong frames = 1UL << pool.Order;
            if (pool.SplitPieces[index] != (int)frames || pool.Base(index) != head)
            {
                return false;
            }

            FrameOwner owner = pool.Owner[index];
            FrameFlags uptodate = _frames.Entry(head).Flags & FrameFlags.Uptodate;
            for (ulong i = 0; i < frames; i++)
            {
                ref FrameEntry e = ref _frames.Entry(head + i);
                if (e.OwnerKind != owner.Kind || e.OwnerId != owner.Id || (e.Flags & (FrameFlags.Orphan | FrameFlags.Uptodate)) != uptodate
                    || PinWord.Count(Volatile.Read(ref e.PinState)) != 0 || Volatile.Read(ref e.RefCount) != 1)
                {
                    return false;
                }
            }

            ulong frozen = 0;
            for (; frozen < frames; frozen++)
            {
                if (Interlocked.CompareExchange(ref _frames.Entry(head + frozen).RefCount, 0, 1) != 1)
                {
                    break;
                }
            }

            if (frozen != frames)
            {
                for (ulong i = 0; i < frozen; i++)
                {
                    Volatile.Write(ref _frames.Entry(head + i).RefCount, 1);
                }

                return false;
            }

            pool.SplitPieces[index] = 0;
            folio = new Folio(head, pool.Order);
            PageAllocator.MarkAllocated(_frames, folio, owner, uptodate);
            return true;
        }
    }

    void IFolioReleaser.ReleaseFolio(Folio folio)
    {
        HugePageSubPool pool = PoolFor(folio.Head);
        PageAllocator.MarkFree(_frames, folio, FrameOwnerKind.HugePagePool);
        lock (_lock)
        {
            int index = pool.IndexOf(folio.Head);
            if (folio.Order == 0 && pool.SplitPieces[index] > 0)
            {
                if (--pool.SplitPieces[index] > 0)
                {
                    return;
                }
            }
            else
            {
                Debug.Assert(folio.Order == pool.Order, "A pool folio is a whole huge page or a piece of a split one.");
            }

            ReturnLocked(pool, index);
        }
    }

    internal bool TryAllocateReserved(HugePageReservation reservation, out Folio folio)
    {
        HugePageSubPool pool = PoolOf(reservation.Order);
        lock (_lock)
        {
            if (reservation.IsDisposedLocked || reservation.InUseLocked >= reservation.Pages)
            {
                folio = default;
                return false;
            }

            Debug.Assert(pool.Reserved > 0 && pool.Free.Count >= pool.Reserved, "A promised page is free.");
            pool.Reserved--;
            reservation.InUseLocked++;
            folio = AllocateLocked(pool, reservation.Owner, reservation);
        }

        PageAllocator.MarkAllocated(_frames, folio, reservation.Owner, FrameFlags.None);
        return true;
    }

    internal int InUse(HugePageReservation reservation)
    {
        lock (_lock)
        {
            return reservation.InUseLocked;
        }
    }

    internal void Unreserve(HugePageReservation reservation)
    {
        HugePageSubPool pool = PoolOf(reservation.Order);
        lock (_lock)
        {
            if (reservation.IsDisposedLocked)
            {
                return;
            }

            reservation.IsDisposedLocked = true;
            pool.Reserved -= reservation.Pages - reservation.InUseLocked;
            Debug.Assert(pool.Reserved >= 0, "Reserved pages never go negative.");
        }
    }

    /// <summary>Appends a description of every inconsistency of the pool's counters to <paramref name="problems"/>.</summary>
    internal void CheckPool(List<string> problems)
    {
        lock (_lock)
        {
            foreach (HugePageSubPool pool in new[] { _pool2M, _pool1G })
            {
                if (pool.Free.Count < pool.Reserved || pool.Reserved < 0)
                {
                    problems.Add($"Order-{pool.Order} pool: {pool.Free.Count} free pages cannot honour {pool.Reserved} reserved.");
                }

                foreach (int index in pool.Free)
                {
                    for (ulong i = 0; i < 1UL << pool.Order; i++)
                    {
                        FrameOwnerKind kind = _frames.Entry(pool.Base(index) + i).OwnerKind;
                        if (kind != FrameOwnerKind.HugePagePool)
                        {
                            problems.Add($"Free huge page {pool.Base(index)} has frame {i} owned by {kind}.");
                            break;
                        }
                    }
                }
            }
        }
    }

    private static Folio AllocateLocked(HugePageSubPool pool, FrameOwner owner, HugePageReservation? reservation)
    {
        int index = pool.Free.Pop();
        pool.Reservation[index] = reservation;
        pool.Owner[index] = owner;
        return new Folio(pool.Base(index), pool.Order);
    }

    private static void ReturnLocked(HugePageSubPool pool, int index)
    {
        HugePageReservation? reservation = pool.Reservation[index];
        pool.Reservation[index] = null;
        pool.Owner[index] = FrameOwner.None;
        pool.Free.Push(index);
        if (reservation is not null)
        {
            reservation.InUseLocked--;
            if (!reservation.IsDisposedLocked)
            {
                pool.Reserved++;
            }
        }
    }

    private static void CheckOwner(FrameOwner owner)
    {
        if (!FrameTable.IsAllocatedKind(owner.Kind))
        {
            throw new ArgumentException($"{owner} cannot own allocated frames.", nameof(owner));
        }
    }

    private HugePageSubPool PoolOf(int order) => order switch
    {
        Folio.Order2M => _pool2M,
        Folio.Order1G => _pool1G,
        _ => throw new ArgumentOutOfRangeException(nameof(order), $"Huge pages are of order {Folio.Order2M} or {Folio.Order1G}, not {order}."),
    };

    private HugePageSubPool PoolFor(Pfn frame) =>
        _pool2M.Segment.Contains(frame) ? _pool2M
        : _pool1G.Segment.Contains(frame) ? _pool1G
        : throw new InvalidOperationException($"{frame} does not belong to the huge-page pool.");
}
