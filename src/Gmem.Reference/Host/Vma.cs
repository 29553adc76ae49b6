// One virtual memory area of the simulated host process (the kernel's `vm_area_struct`).
//
// Data model: [Start, End) in host virtual addresses, protection, MAP_SHARED/MAP_PRIVATE, the backing
// file (null for anonymous memory) with the file page that Start maps, and the page table entries
// of the range: virtual page number (Hva >> 12) → frame. An entry is either a page of the file
// (IsAnonymous false; the file owns the frame) or an anonymous frame owned by this area (anonymous
// memory, or a private copy-on-write copy of a file page). Keys are absolute page numbers so that
// splitting an area only partitions the dictionary.
//
// Locking: Start/End/Protection change only under the address space's mmap lock held for writing;
// the page table entries are read and written only under the address space's page-table lock
// (HostAddressSpace.PageTableLock), which is also what a guest memory file takes to zap entries.

namespace Gmem.Reference.Host;

/// <summary>A mapping range of a <see cref="HostAddressSpace"/>.</summary>
internal sealed class Vma
{
    private readonly Dictionary<ulong, PageTableEntry> _entries = [];

    /// <summary>Creates an area; the caller has taken a reference on <paramref name="file"/> for it.</summary>
    public Vma(HostAddressSpace space, Hva start, Hva end, MapProtection protection, bool shared, HostFile? file, PageIndex fileStart)
    {
        Debug.Assert(start.IsPageAligned && end.IsPageAligned && start < end, "page-aligned, non-empty area");
        Space = space;
        Start = start;
        End = end;
        Protection = protection;
        IsShared = shared;
        File = file;
        FileStart = fileStart;
    }

    /// <summary>The address space the area belongs to.</summary>
    public HostAddressSpace Space { get; }

    /// <summary>First address.</summary>
    public Hva Start { get; private set; }

    /// <summary>One past the last address.</summary>
    public Hva End { get; private set; }

    /// <summary>Current protection.</summary>
    public MapProtection Protection { get; set; }

    /// <summary>MAP_SHARED (true) or MAP_PRIVATE.</summary>
    public bool IsShared { get; }

    /// <summary>The mapped file, or null for anonymous memory.</summary>
    public HostFile? File { get; }

    /// <summary>The file page mapped at <see cref="Start"/>.</summary>
    public PageIndex FileStart { get; private set; }

    /// <summary>Bytes covered.</summary>
    public long Length => (long)(End - Start);

    /// <summary>The page table entries (caller holds the page-table lock).</summary>
    public Dictionary<ulong, PageTableEntry> EntriesLocked => _entries;

    /// <summary>Whether the area contains <paramref name="address"/>.</summary>
    public bool Contains(Hva address) => address >= Start && address < End;

    /// <summary>The file page that <paramref name="address"/> maps.</summary>
    public PageIndex FileIndexOf(Hva address) => FileStart + ((address - Start) >> Page.Shift);

    /// <summary>The address that maps file page <paramref name="index"/> (which the area covers).</summary>
    public Hva AddressOf(PageIndex index) => Start + ((index - FileStart) << Page.Shift);

    /// <summary>The file pages [first, end) the area covers.</summary>
    public (PageIndex First, PageIndex End) FileRange => (FileStart, FileStart + ((ulong)Length >> Page.Shift));

    /// <summary>Installs a file page at <paramref name="address"/> unless an entry exists (caller holds the page-table lock).</summary>
    public void InstallFilePageLocked(Hva address, Pfn frame, bool writable)
    {
        Debug.Assert(Monitor.IsEntered(Space.PageTableLock), "page-table lock held");
        Debug.Assert(Contains(address), "address inside the area");
        _entries.TryAdd(address.Value >> Page.Shift, new PageTableEntry(frame, writable, IsAnonymous: false));
    }

    /// <summary>
    /// Removes the entries of file pages [first, end) (caller holds the page-table lock): a punched
    /// hole or a released file must not stay reachable. Returns the number of entries removed.
    /// </summary>
    public int ZapFilePagesLocked(PageIndex first, PageIndex end)
    {
        Debug.Assert(Monitor.IsEntered(Space.PageTableLock), "page-table lock held");
        (PageIndex from, PageIndex to) = FileRange;
        PageIndex lo = first > from ? first : from;
        PageIndex hi = end < to ? end : to;
        if (lo >= hi)
        {
            return 0;
        }
        ulong firstVpn = AddressOf(lo).Value >> Page.Shift;
        ulong endVpn = firstVpn + (hi - lo);
        // Walk whichever is smaller: the range or the entries (a punch of a huge range over a sparse mapping).
        IEnumerable<ulong> candidates = hi - lo <= (ulong)_entries.Count
            ? Enumerable.Range(0, (int)(hi - lo)).Select(i => firstVpn + (ulong)i)
            : _entries.Keys.Where(k => k >= firstVpn && k < endVpn).ToList();
        int removed = 0;
        foreach (ulong vpn in candidates)
        {
            if (_entries.TryGetValue(vpn, out PageTableEntry entry) && !entry.IsAnonymous && _entries.Remove(vpn))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>
    /// Moves the part at and above <paramref name="at"/> into a new area (caller holds the mmap lock for
    /// writing and the page-table lock). The new area needs its own file reference, which this takes.
    /// </summary>
    public Vma SplitLocked(Hva at)
    {
        Debug.Assert(Monitor.IsEntered(Space.PageTableLock), "page-table lock held");
        Debug.Assert(at > Start && at < End && at.IsPageAligned, "split inside the area");
        File?.Get();
        var upper = new Vma(Space, at, End, Protection, IsShared, File, FileIndexOf(at));
        ulong first = at.Value >> Page.Shift;
        foreach (ulong vpn in _entries.Keys.Where(k => k >= first).ToList())
        {
            upper._entries.Add(vpn, _entries[vpn]);
            _entries.Remove(vpn);
        }
        End = at;
        return upper;
    }
}
