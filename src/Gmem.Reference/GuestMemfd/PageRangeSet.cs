// A set of page indices kept as disjoint, non-adjacent half-open ranges [start, end), sorted by start:
// the per-file shared/private map of in-place conversion costs O(ranges), not O(pages).
// Locking: none; the owner (the inode, under its invalidation lock) serialises access.

namespace Gmem.Reference.GuestMemfd;

/// <summary>Disjoint page ranges.</summary>
internal sealed class PageRangeSet
{
    private readonly SortedList<ulong, ulong> _ranges = [];

    /// <summary>Number of ranges.</summary>
    public int Count => _ranges.Count;

    /// <summary>Whether <paramref name="page"/> is in the set.</summary>
    public bool Contains(ulong page)
    {
        int i = LastStartAtOrBefore(page);
        return i >= 0 && page < _ranges.Values[i];
    }

    /// <summary>Whether every page of [start, end) is in the set.</summary>
    public bool Covers(ulong start, ulong end)
    {
        int i = LastStartAtOrBefore(start);
        return i >= 0 && _ranges.Values[i] >= end;
    }

    /// <summary>Whether some page of [start, end) is in the set.</summary>
    public bool Intersects(ulong start, ulong end)
    {
        int i = LastStartAtOrBefore(start);
        if (i >= 0 && _ranges.Values[i] > start)
        {
            return true;
        }
        return i + 1 < _ranges.Count && _ranges.Keys[i + 1] < end;
    }

    /// <summary>Adds [start, end), merging with overlapping and adjacent ranges.</summary>
    public void Add(ulong start, ulong end)
    {
        if (start >= end)
        {
            return;
        }
        int i = LastStartAtOrBefore(start);
        if (i >= 0 && _ranges.Values[i] >= start)
        {
            start = _ranges.Keys[i];
            end = Math.Max(end, _ranges.Values[i]);
            _ranges.RemoveAt(i);
        }
        else
        {
            i++;
        }
        while (i < _ranges.Count && _ranges.Keys[i] <= end)
        {
            end = Math.Max(end, _ranges.Values[i]);
            _ranges.RemoveAt(i);
        }
        _ranges.Add(start, end);
    }

    /// <summary>Removes [start, end), splitting a range that straddles it.</summary>
    public void Remove(ulong start, ulong end)
    {
        if (start >= end)
        {
            return;
        }
        int i = LastStartAtOrBefore(start);
        if (i >= 0 && _ranges.Values[i] > start)
        {
            ulong oldStart = _ranges.Keys[i];
            ulong oldEnd = _ranges.Values[i];
            _ranges.RemoveAt(i);
            if (oldStart < start)
            {
                _ranges.Add(oldStart, start);
            }
            if (oldEnd > end)
            {
                _ranges.Add(end, oldEnd);
                return;
            }
        }
        i = LastStartAtOrBefore(start) + 1;
        while (i < _ranges.Count && _ranges.Keys[i] < end)
        {
            ulong oldEnd = _ranges.Values[i];
            _ranges.RemoveAt(i);
            if (oldEnd > end)
            {
                _ranges.Add(end, oldEnd);
                return;
            }
        }
    }

    /// <summary>The ranges, in order.</summary>
    public List<(ulong Start, ulong End)> Ranges() => [.. _ranges.Select(r => (r.Key, r.Value))];

    private int LastStartAtOrBefore(ulong page)
    {
        IList<ulong> keys = _ranges.Keys;
        int lo = 0;
        int hi = keys.Count - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] <= page)
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
}
