// The simulated host process's address space (the kernel's `mm_struct`): its areas and the user-copy
// primitives.
//
// Data model: a list of non-overlapping Vmas sorted by Start. New mappings get fresh addresses from a
// bump pointer (never reused, aligned like THP/hugetlb placement: to the largest power of two ≤ the
// length, up to 1 GiB) with an unmapped guard gap after each, so an access past a mapping's end is
// EFAULT, as with a real hole. Page table entries live in each Vma.
//
// Locking (kernel order): the mmap lock (_mmapLock, reader/writer) → a file's locks (a guest memory
// file's invalidation lock, its page-cache lock) → the page-table lock (PageTableLock). A user copy
// holds the mmap lock for reading and copies each page under the page-table lock, so a punch hole
// (which zaps entries under the page-table lock before freeing frames) can never free a frame while it
// is being copied. Files are Put only after the mmap lock is dropped (their release takes file locks).

namespace Gmem.Reference.Host;

/// <summary>The areas and page tables of a <see cref="HostProcess"/>.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The mmap lock lives as long as the process; it holds no OS handle until contended.")]
internal sealed partial class HostAddressSpace
{
    private const ulong FirstAddress = 0x10_0000_0000;
    private readonly ReaderWriterLockSlim _mmapLock = new(LockRecursionPolicy.NoRecursion);
    private readonly List<Vma> _areas = [];
    private readonly FrameAccess _frames;
    private ulong _next = FirstAddress;

    /// <summary>Creates an empty address space whose anonymous pages come from <paramref name="frames"/>.</summary>
    public HostAddressSpace(FrameAccess frames)
    {
        _frames = frames;
    }

    /// <summary>The page-table lock: guards every Vma's entries.</summary>
    public object PageTableLock { get; } = new();

    /// <summary>Frames for anonymous pages and for copies.</summary>
    public FrameAccess Frames => _frames;

    /// <summary>Number of areas (after splits).</summary>
    public int AreaCount
    {
        get
        {
            _mmapLock.EnterReadLock();
            try
            {
                return _areas.Count;
            }
            finally
            {
                _mmapLock.ExitReadLock();
            }
        }
    }

    /// <summary>
    /// Adds a mapping of <paramref name="length"/> bytes (rounded up to pages). The caller has checked the
    /// arguments and holds a reference on <paramref name="file"/> that the new area takes over.
    /// </summary>
    public Vma Map(long length, MapProtection protection, bool shared, HostFile? file, PageIndex fileStart)
    {
        ulong bytes = Page.CountPages((ulong)length) << Page.Shift;
        _mmapLock.EnterWriteLock();
        try
        {
            ulong alignment = Math.Min(BitOperations.RoundUpToPowerOf2(bytes), (ulong)Page.Size1G);
            if (alignment > bytes)
            {
                alignment >>= 1;
            }
            alignment = Math.Max(alignment, (ulong)Page.Size);
            ulong start = (_next + alignment - 1) & ~(alignment - 1);
            _next = start + bytes + (ulong)Page.Size;
            var vma = new Vma(this, new Hva(start), new Hva(start + bytes), protection, shared, file, fileStart);
            _areas.Add(vma);
            file?.AddMapping(vma);
            return vma;
        }
        finally
        {
            _mmapLock.ExitWriteLock();
        }
    }

    /// <summary><c>munmap(address, length)</c>: removes every area part in the range.</summary>
    public void Unmap(Hva address, long length)
    {
        if (!address.IsPageAligned || length <= 0)
        {
            throw new GmemException("munmap", Errno.EINVAL);
        }
        Hva end = address + (Page.CountPages((ulong)length) << Page.Shift);
        var released = new List<Vma>();
        _mmapLock.EnterWriteLock();
        try
        {
            SplitAtLocked(address);
            SplitAtLocked(end);
            List<Vma> gone = [.. _areas.Where(v => v.Start >= address && v.End <= end)];
            if (gone.Count > 0)
            {
                // Secondary MMUs drop what they derived from these entries before the frames can go.
                Notify(address, end, start: true);
                lock (PageTableLock)
                {
                    foreach (Vma vma in gone)
                    {
                        FreeAnonymousLocked(vma, vma.Start, vma.End);
                        vma.EntriesLocked.Clear();
                        _areas.Remove(vma);
                        released.Add(vma);
                    }
                }
                Notify(address, end, start: false);
            }
        }
        finally
        {
            _mmapLock.ExitWriteLock();
        }
        foreach (Vma vma in released)
        {
            vma.File?.RemoveMapping(vma);
            vma.File?.Put();
        }
    }

    /// <summary>Unmaps everything (process exit).</summary>
    public void UnmapAll()
    {
        List<Vma> areas;
        _mmapLock.EnterReadLock();
        try
        {
            areas = [.. _areas];
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
        foreach (Vma vma in areas)
        {
            Unmap(vma.Start, vma.Length);
        }
    }

    /// <summary>Every frame a host page table entry reaches, with its address (invariant 2 checks these).</summary>
    public List<(Hva Address, Pfn Frame, bool IsAnonymous)> MappedFrames()
    {
        _mmapLock.EnterReadLock();
        try
        {
            lock (PageTableLock)
            {
                return [.. _areas.SelectMany(v => v.EntriesLocked.Select(e => (new Hva(e.Key << Page.Shift), e.Value.Frame, e.Value.IsAnonymous)))];
            }
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
    }

    /// <summary>The area that contains <paramref name="address"/> (caller holds the mmap lock).</summary>
    private Vma? FindLocked(Hva address)
    {
        int lo = 0;
        int hi = _areas.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            Vma vma = _areas[mid];
            if (address < vma.Start)
            {
                hi = mid - 1;
            }
            else if (address >= vma.End)
            {
                lo = mid + 1;
            }
            else
            {
                return vma;
            }
        }
        return null;
    }

    /// <summary>Splits the area containing <paramref name="at"/> so that an area starts there (mmap lock held for writing).</summary>
    private void SplitAtLocked(Hva at)
    {
        Vma? vma = FindLocked(at);
        if (vma is null || vma.Start == at)
        {
            return;
        }
        Vma upper;
        lock (PageTableLock)
        {
            upper = vma.SplitLocked(at);
        }
        _areas.Insert(_areas.IndexOf(vma) + 1, upper);
        upper.File?.AddMapping(upper);
    }

    /// <summary>The areas that cover [start, end), or null when a page of it is unmapped (mmap lock held).</summary>
    private List<Vma>? CoveringLocked(Hva start, Hva end)
    {
        var result = new List<Vma>();
        Hva at = start;
        while (at < end)
        {
            Vma? vma = FindLocked(at);
            if (vma is null)
            {
                return null;
            }
            result.Add(vma);
            at = vma.End;
        }
        return result;
    }

    /// <summary>Frees the anonymous frames of [from, to) in <paramref name="vma"/> and drops their entries (page-table lock held).</summary>
    private void FreeAnonymousLocked(Vma vma, Hva from, Hva to)
    {
        ulong first = from.Value >> Page.Shift;
        ulong end = to.Value >> Page.Shift;
        foreach (KeyValuePair<ulong, PageTableEntry> entry in vma.EntriesLocked.Where(e => e.Key >= first && e.Key < end).ToList())
        {
            if (entry.Value.IsAnonymous)
            {
                _frames.FreeAnonymous(entry.Value.Frame);
            }
            vma.EntriesLocked.Remove(entry.Key);
        }
    }
}
