// RangeAttributeStore — model A memory attributes (per VM, keyed by gfn), stored as runs.
//
// Data model: an immutable array of AttributeRange sorted by Start; runs never overlap, adjacent runs
// with equal attributes are merged, and frames with attributes None (shared) have no run. Setting
// 1 TiB private is one run, so every operation costs O(log runs) (queries) or O(runs) (changes),
// never O(pages).
//
// Locking: readers take the current array with a Volatile read and never block (a fault may run
// concurrently with a change; the invalidation protocol makes it retry). Writers (Prepare/Commit)
// are serialised by the owning VM's slots lock; Prepare builds the new array (the reservation: an
// allocation failure leaves the store unchanged) and Commit publishes it with one Volatile write.
using System.Diagnostics;

namespace Gmem.Reference.Kvm;

/// <summary>Per-VM attributes as sorted, merged runs (see file header).</summary>
internal sealed class RangeAttributeStore : IMemoryAttributeStore
{
    private AttributeRange[] _ranges = [];

    /// <inheritdoc/>
    public IReadOnlyList<AttributeRange> Ranges => Volatile.Read(ref _ranges);

    /// <inheritdoc/>
    public MemoryAttributes Get(Gfn gfn)
    {
        AttributeRange[] ranges = Volatile.Read(ref _ranges);
        int i = FindLastStartingAtOrBefore(ranges, gfn.Value);
        return i >= 0 && gfn < ranges[i].End ? ranges[i].Attributes : MemoryAttributes.None;
    }

    /// <inheritdoc/>
    public bool IsUniform(Gfn start, Gfn end, MemoryAttributes attributes)
    {
        Debug.Assert(start < end, "A query range is not empty.");
        AttributeRange[] ranges = Volatile.Read(ref _ranges);
        int i = FindLastStartingAtOrBefore(ranges, start.Value);
        if (attributes == MemoryAttributes.None)
        {
            // No run may intersect [start, end).
            bool coversStart = i >= 0 && start < ranges[i].End;
            bool nextIntersects = i + 1 < ranges.Length && ranges[i + 1].Start < end;
            return !coversStart && !nextIntersects;
        }
        // Equal neighbours are merged, so a uniform non-shared block is inside one run.
        return i >= 0 && ranges[i].End >= end && ranges[i].Attributes == attributes;
    }

    /// <inheritdoc/>
    public bool IsUniform(Gfn start, Gfn end) => IsUniform(start, end, Get(start));

    /// <inheritdoc/>
    public IAttributeUpdate Prepare(Gfn start, Gfn end, MemoryAttributes attributes)
    {
        Debug.Assert(start < end, "An attribute change is not empty.");
        AttributeRange[] ranges = Volatile.Read(ref _ranges);
        var result = new List<AttributeRange>(ranges.Length + 2);
        int i = 0;
        for (; i < ranges.Length && ranges[i].End <= start; i++)
        {
            result.Add(ranges[i]);
        }
        if (i < ranges.Length && ranges[i].Start < start)
        {
            // The run straddling the start keeps its head.
            Append(result, ranges[i] with { End = start });
        }
        if (attributes != MemoryAttributes.None)
        {
            Append(result, new AttributeRange(start, end, attributes));
        }
        for (; i < ranges.Length && ranges[i].Start < end; i++)
        {
            if (ranges[i].End > end)
            {
                // The run straddling the end keeps its tail.
                Append(result, ranges[i] with { Start = end });
            }
        }
        for (; i < ranges.Length; i++)
        {
            Append(result, ranges[i]);
        }
        return new Update(start, end, attributes, ranges, [.. result]);
    }

    /// <inheritdoc/>
    public void Commit(IAttributeUpdate update)
    {
        var prepared = (Update)update;
        // Writers are serialised by the slots lock; a Prepare against an older array is a bug.
        AttributeRange[] previous = Interlocked.CompareExchange(ref _ranges, prepared.Next, prepared.Base);
        if (!ReferenceEquals(previous, prepared.Base))
        {
            throw new InvalidOperationException("Attribute update committed against a stale store.");
        }
        AssertInvariants();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        AttributeRange[] ranges = _ranges;
        for (int i = 0; i < ranges.Length; i++)
        {
            Debug.Assert(ranges[i].Start < ranges[i].End, "Runs are not empty.");
            Debug.Assert(ranges[i].Attributes != MemoryAttributes.None, "Shared frames have no run.");
            if (i > 0)
            {
                Debug.Assert(ranges[i - 1].End <= ranges[i].Start, "Runs are sorted and disjoint.");
                Debug.Assert(ranges[i - 1].End < ranges[i].Start || ranges[i - 1].Attributes != ranges[i].Attributes,
                    "Adjacent equal runs are merged.");
            }
        }
    }

    private static void Append(List<AttributeRange> result, AttributeRange range)
    {
        if (result.Count > 0 && result[^1].End == range.Start && result[^1].Attributes == range.Attributes)
        {
            result[^1] = result[^1] with { End = range.End };
        }
        else
        {
            result.Add(range);
        }
    }

    // Index of the last run whose Start <= gfn, or -1.
    private static int FindLastStartingAtOrBefore(AttributeRange[] ranges, ulong gfn)
    {
        int lo = 0;
        int hi = ranges.Length - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (ranges[mid].Start.Value <= gfn)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    private sealed record Update(Gfn Start, Gfn End, MemoryAttributes Attributes, AttributeRange[] Base, AttributeRange[] Next)
        : IAttributeUpdate;
}
