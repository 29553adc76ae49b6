// InvalidationLog — an independent record of invalidation ranges, used to check invariant 6
// ("a fault that read seq = S installs only if no invalidation overlapping its gfn began since S")
// without trusting the seq/in-progress/hull arithmetic of MmuInvalidation.
//
// Data model: a ring of the last Capacity ranges ever added (global position = Added), plus the list
// of ranges added during the current epoch of overlapping invalidations (cleared when the in-flight
// count returns to zero). A check for (gfn, snapshot) is a violation when gfn lies in a range added
// after the snapshot, or in a range of the invalidations still in flight.
//
// Locking: all members run under the VM's mmu lock held for write (the same critical sections as
// MmuInvalidation), except Begins/Added reads, which are Volatile.
namespace Gmem.Reference.Kvm;

/// <summary>The witness log of invalidation ranges (see file header).</summary>
internal sealed class InvalidationLog
{
    private const int Capacity = 4096;
    private readonly (ulong Start, ulong End)[] _ring = new (ulong, ulong)[Capacity];
    private readonly List<(ulong Start, ulong End)> _epoch = [];
    private long _added;
    private long _begins;
    private long _inFlight;
    private long _violations;
    private long _unverifiable;

    /// <summary>Number of Begin calls so far.</summary>
    public long Begins => Volatile.Read(ref _begins);

    /// <summary>Number of ranges added so far (the position a snapshot records).</summary>
    public long Added => Volatile.Read(ref _added);

    /// <summary>Installs that the log found stale (must stay 0).</summary>
    public long Violations => Volatile.Read(ref _violations);

    /// <summary>Installs whose snapshot is older than the ring (could not be checked).</summary>
    public long Unverifiable => Volatile.Read(ref _unverifiable);

    /// <summary>Records a Begin.</summary>
    public void Begin()
    {
        _inFlight++;
        Volatile.Write(ref _begins, _begins + 1);
    }

    /// <summary>Records a range of the invalidation in progress.</summary>
    public void AddRange(ulong start, ulong end)
    {
        _ring[_added % Capacity] = (start, end);
        _epoch.Add((start, end));
        Volatile.Write(ref _added, _added + 1);
    }

    /// <summary>Records an End.</summary>
    public void End()
    {
        if (--_inFlight == 0)
        {
            _epoch.Clear();
        }
    }

    /// <summary>
    /// Checks an install of <paramref name="gfn"/> by a fault that took its snapshot at
    /// <paramref name="position"/>; counts a violation and returns false when it is stale.
    /// </summary>
    public bool CheckInstall(ulong gfn, long position)
    {
        if (_inFlight > 0)
        {
            foreach ((ulong start, ulong end) in _epoch)
            {
                if (gfn >= start && gfn < end)
                {
                    _violations++;
                    return false;
                }
            }
        }
        if (_added - position > Capacity)
        {
            _unverifiable++;
            return true;
        }
        for (long i = position; i < _added; i++)
        {
            (ulong start, ulong end) = _ring[i % Capacity];
            if (gfn >= start && gfn < end)
            {
                _violations++;
                return false;
            }
        }
        return true;
    }
}
