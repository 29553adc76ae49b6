using Gmem.Vmm.Conversions;

namespace Gmem.Vmm.Machines;

/// <summary>
/// Which pages of guest memory are shared, as a page bitmap over [0, memory size), with the sub-range
/// arithmetic conversion needs. Not thread-safe: the machine that owns it serialises access.
/// </summary>
internal sealed class SharedWindows
{
    private readonly bool[] _shared;

    public SharedWindows(ulong memoryBytes) => _shared = new bool[memoryBytes >> Page.Shift];

    public ulong MemoryBytes => (ulong)_shared.Length << Page.Shift;

    public bool IsShared(Gpa address) => _shared[address.Value >> Page.Shift];

    public void Set(GpaRange range, bool shared)
    {
        Check(range);
        _shared.AsSpan((int)(range.Start.Value >> Page.Shift), (int)range.Pages).Fill(shared);
    }

    /// <summary>Whether every page of the range is shared.</summary>
    public bool AllShared(GpaRange range)
    {
        Check(range);
        return !_shared.AsSpan((int)(range.Start.Value >> Page.Shift), (int)range.Pages).Contains(false);
    }

    /// <summary>Throws EFAULT unless every page that [<paramref name="address"/>, +<paramref name="length"/>) touches is shared: the host has no way to reach the rest.</summary>
    public void RequireShared(Gpa address, ulong length)
    {
        if (length == 0)
        {
            return;
        }
        Gpa first = address.AlignDown(Page.Size);
        var pages = new GpaRange(first, Page.CountPages(address.Value + length - first.Value) << Page.Shift);
        if (pages.End.Value > MemoryBytes || !AllShared(pages))
        {
            throw new GmemException("copy_from_user", Errno.EFAULT, $"{new GpaRange(address, length)} is not shared guest memory: the host has no mapping of it.");
        }
    }

    /// <summary>The maximal runs inside <paramref name="range"/> whose state is <paramref name="shared"/>.</summary>
    public IReadOnlyList<GpaRange> Runs(GpaRange range, bool shared)
    {
        Check(range);
        var runs = new List<GpaRange>();
        ulong first = range.Start.Value >> Page.Shift, end = first + range.Pages;
        for (ulong page = first; page < end; page++)
        {
            if (_shared[page] != shared)
            {
                continue;
            }
            ulong start = page;
            while (page + 1 < end && _shared[page + 1] == shared)
            {
                page++;
            }
            runs.Add(new GpaRange(new Gpa(start << Page.Shift), (page - start + 1) << Page.Shift));
        }
        return runs;
    }

    /// <summary>Throws EINVAL unless <paramref name="range"/> is page aligned and inside guest memory.</summary>
    public void Check(GpaRange range)
    {
        if (!range.Start.IsPageAligned || !Page.IsAligned(range.Length) || range.End.Value > MemoryBytes || range.End < range.Start)
        {
            throw new GmemException("MAP_GPA_RANGE", Errno.EINVAL, $"{range} is not a page-aligned range inside guest memory [0x0, 0x{MemoryBytes:x}).");
        }
    }
}
