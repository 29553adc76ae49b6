namespace Gmem.Vmm.Maps;

/// <summary>
/// A picture of a VM's guest physical memory: sorted, non-overlapping ranges covering
/// [<see cref="Start"/>, <see cref="End"/>). Gaps between the given ranges are holes.
/// </summary>
public sealed class GuestMemoryMap
{
    /// <summary>Builds a map from ranges in any order; they must not overlap.</summary>
    /// <exception cref="ArgumentException">Two ranges overlap, or a range is empty.</exception>
    public GuestMemoryMap(IEnumerable<MemoryMapRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        var filled = new List<MemoryMapRange>(sorted.Count);
        for (int i = 0; i < sorted.Count; i++)
        {
            MemoryMapRange r = sorted[i];
            if (r.Length == 0)
            {
                throw new ArgumentException($"The range at {r.Start} is empty.", nameof(ranges));
            }
            if (filled.Count > 0)
            {
                Gpa previousEnd = filled[^1].End;
                if (r.Start < previousEnd)
                {
                    throw new ArgumentException($"The range at {r.Start} overlaps the one ending at {previousEnd}.", nameof(ranges));
                }
                if (r.Start > previousEnd)
                {
                    filled.Add(new MemoryMapRange(previousEnd, r.Start - previousEnd, MemoryKind.Hole, 0));
                }
            }
            filled.Add(r);
        }
        Ranges = filled;
    }

    /// <summary>The ranges, sorted, with gaps filled as holes.</summary>
    public IReadOnlyList<MemoryMapRange> Ranges { get; }

    /// <summary>The first address covered.</summary>
    public Gpa Start => Ranges.Count == 0 ? default : Ranges[0].Start;

    /// <summary>The first address after the last range.</summary>
    public Gpa End => Ranges.Count == 0 ? default : Ranges[^1].End;

    /// <summary>Bytes of each kind.</summary>
    public ulong BytesOf(MemoryKind kind) => Ranges.Where(r => r.Kind == kind).Aggregate(0UL, (sum, r) => sum + r.Length);

    /// <summary>Bytes mapped with leaves of <paramref name="mappingBytes"/>.</summary>
    public ulong BytesMappedAt(ulong mappingBytes) =>
        Ranges.Where(r => r.MappingBytes == mappingBytes && r.Kind != MemoryKind.Hole).Aggregate(0UL, (sum, r) => sum + r.Length);

    /// <summary>The range that holds <paramref name="address"/>, or null outside the map.</summary>
    public MemoryMapRange? Find(Gpa address)
    {
        int lo = 0, hi = Ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            MemoryMapRange r = Ranges[mid];
            if (address < r.Start)
            {
                hi = mid - 1;
            }
            else if (address >= r.End)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }
        return null;
    }
}
