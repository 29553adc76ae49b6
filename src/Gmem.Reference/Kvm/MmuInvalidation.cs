// MmuInvalidation — the per-VM invalidation/retry protocol between invalidation sources and the
// secondary MMU (spec §3; the kernel's mmu_invalidate_seq / mmu_invalidate_in_progress / range).
//
// Data model:
//   _inProgress  number of invalidations between Begin and End (never negative);
//   _seq         monotonic; End bumps it BEFORE dropping _inProgress (property 4);
//   _rangeStart/_rangeEnd  hull of every range added since _inProgress went 0→1 (property 3: it never
//                shrinks while invalidations are in flight; INVALID is encoded as start > end);
//   _log         the independent witness InvariantChecker uses for invariant 6 (InvalidationLog).
//
// Locking: every mutator and MustRetryLocked run under the VM's mmu lock held for WRITE (the
// kernel's mmu_lock); Stage2 and this object share that lock. Snapshot() and IsInProgressFor() are
// the lock-free peeks a fault makes before it looks a page up (read barrier = Volatile.Read).
// Every invalidation source (punch hole, attribute change, slot delete, file release, poison,
// conversion) brackets its zap with BeginLocked/AddRangeLocked … EndLocked.
//
// Where the seven properties of spec §3 hold:
//   1 no stale mapping: every source zaps inside Begin (MemslotTable.Invalidate, VmMemoryAttributes
//     .PrePass, VmCore.InvalidateRangeAdd / InvalidateRangeStart); FaultPath installs, and delivers
//     error exits, only after MustRetryLocked under the mmu lock; GuestBus copies under the read lock.
//   2 balance: slot and attribute changes begin and end within one call under the slots lock; the guest
//     memory file holds its inode lock across begin … end; the host pairs start/end.
//   3 conservative range: the hull grows until the count returns to 0 (BeginLocked resets it at 0→1).
//   4 seq before count: EndLocked; faults take Snapshot() before reading attributes, slots or pages.
//   5 memslots vs host invalidations: VmCore.PublishOutsideHvaInvalidation; bind before publish,
//     unbind after unpublish + zap.
//   6 filters: gmem → its GmemInvalidationFilter; host → shared leaves of non-gmem-only slots;
//     attributes → the kind being revoked (plus whole edge blocks that become uniform).
//   7 allocation vs punch: the guest memory file's inode lock modes (GuestMemfdInode).
using System.Diagnostics;

namespace Gmem.Reference.Kvm;

/// <summary>The sequence count, in-progress count and range hull of one VM's secondary MMU (spec §3).</summary>
internal sealed class MmuInvalidation
{
    private readonly ReaderWriterLockSlim _mmuLock;
    private readonly InvalidationLog _log = new();
    private long _inProgress;
    private ulong _seq;
    private ulong _rangeStart = 1;
    private ulong _rangeEnd;

    /// <summary>Creates the protocol state guarded by <paramref name="mmuLock"/>.</summary>
    public MmuInvalidation(ReaderWriterLockSlim mmuLock)
    {
        _mmuLock = mmuLock;
    }

    /// <summary>The VM's mmu lock (write = map/zap/invalidate; read = guest accesses through Stage2).</summary>
    public ReaderWriterLockSlim MmuLock => _mmuLock;

    /// <summary>The current sequence number (acquire read).</summary>
    public ulong Sequence => Volatile.Read(ref _seq);

    /// <summary>Number of invalidations in flight.</summary>
    public long InProgress => Volatile.Read(ref _inProgress);

    /// <summary>The log of begun invalidations, the independent witness for invariant 6.</summary>
    public InvalidationLog Log => _log;

    /// <summary>Whether the hull is valid (some range was added since the count went 0→1).</summary>
    public bool HasRange => _rangeStart <= _rangeEnd;

    /// <summary>The current hull [start, end) (meaningful only while <see cref="HasRange"/>).</summary>
    public (Gfn Start, Gfn End) Range => (new Gfn(_rangeStart), new Gfn(_rangeEnd));

    /// <summary>
    /// A fault's snapshot: the sequence number and the begin count, read before the fault looks at
    /// attributes, memslots or pages (property 4).
    /// </summary>
    public FaultSnapshot Snapshot()
    {
        ulong seq = Volatile.Read(ref _seq);
        return new FaultSnapshot(seq, _log.Added);
    }

    /// <summary>Starts an invalidation (spec INVALIDATE_BEGIN). A new epoch resets the hull.</summary>
    public void BeginLocked()
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "BeginLocked needs the mmu lock for write.");
        if (++_inProgress == 1)
        {
            _rangeStart = 1;
            _rangeEnd = 0;
        }
        _log.Begin();
    }

    /// <summary>Adds [start, end) to the hull of the invalidation in progress (spec RANGE_ADD).</summary>
    public void AddRangeLocked(Gfn start, Gfn end)
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "AddRangeLocked needs the mmu lock for write.");
        Debug.Assert(_inProgress > 0, "A range is added only inside Begin/End.");
        Debug.Assert(start < end, "An invalidation range is not empty.");
        if (_rangeStart > _rangeEnd)
        {
            _rangeStart = start.Value;
            _rangeEnd = end.Value;
        }
        else
        {
            _rangeStart = Math.Min(_rangeStart, start.Value);
            _rangeEnd = Math.Max(_rangeEnd, end.Value);
        }
        _log.AddRange(start.Value, end.Value);
    }

    /// <summary>Ends an invalidation (spec INVALIDATE_END): bump the sequence, then drop the count.</summary>
    public void EndLocked()
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "EndLocked needs the mmu lock for write.");
        Debug.Assert(_inProgress > 0, "End without Begin.");
        Debug.Assert(_rangeStart <= _rangeEnd, "Every Begin adds a range before End.");
        Volatile.Write(ref _seq, _seq + 1);
        // Interlocked is a full fence: the new seq is visible before the count drops (property 4).
        Interlocked.Decrement(ref _inProgress);
        _log.End();
    }

    /// <summary>
    /// Whether a fault on <paramref name="gfn"/> that took <paramref name="snapshot"/> must drop its
    /// page and retry (spec MUST_RETRY). Called under the mmu lock, right before installing.
    /// </summary>
    public bool MustRetryLocked(Gfn gfn, FaultSnapshot snapshot)
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "MustRetryLocked needs the mmu lock.");
        if (_inProgress > 0 && (_rangeStart > _rangeEnd || (gfn.Value >= _rangeStart && gfn.Value < _rangeEnd)))
        {
            // An invalidation that has begun but not added its range yet covers everything.
            return true;
        }
        return _seq != snapshot.Sequence;
    }

    /// <summary>
    /// The lock-free peek a fault makes before its (possibly slow) page lookup: true when an
    /// invalidation in flight may cover <paramref name="gfn"/>. False positives are allowed.
    /// </summary>
    public bool IsInProgressFor(Gfn gfn)
    {
        if (Volatile.Read(ref _inProgress) == 0)
        {
            return false;
        }
        ulong start = Volatile.Read(ref _rangeStart);
        ulong end = Volatile.Read(ref _rangeEnd);
        return start > end || (gfn.Value >= start && gfn.Value < end);
    }
}
