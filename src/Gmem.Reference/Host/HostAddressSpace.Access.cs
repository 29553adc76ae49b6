// User accesses of the simulated host process: copy_from_user/copy_to_user, page faults, mprotect,
// madvise, and the translation a hypervisor uses for a memslot's shared backing (hva_to_pfn).
// Data model and locking: see HostAddressSpace.cs.

namespace Gmem.Reference.Host;

internal sealed partial class HostAddressSpace
{
    private readonly List<IMmuNotifier> _notifiers = [];

    /// <summary>Registers a secondary MMU that must drop what it derived from host page table entries when they go.</summary>
    public void RegisterNotifier(IMmuNotifier notifier)
    {
        lock (_notifiers)
        {
            _notifiers.Add(notifier);
        }
    }

    /// <summary>Unregisters a notifier.</summary>
    public void UnregisterNotifier(IMmuNotifier notifier)
    {
        lock (_notifiers)
        {
            _notifiers.Remove(notifier);
        }
    }

    /// <summary>copy_from_user: an unmapped or unreadable page is EFAULT, a SIGBUS page is <see cref="HostAccessFault"/>.</summary>
    public void Read(Hva address, Span<byte> destination)
    {
        _mmapLock.EnterReadLock();
        try
        {
            int done = 0;
            while (done < destination.Length)
            {
                Hva at = address + (long)done;
                int offset = (int)(at.Value & Page.OffsetMask);
                int count = Math.Min(Page.Size - offset, destination.Length - done);
                Vma vma = FindForAccessLocked(at, write: false, "copy_from_user");
                while (true)
                {
                    lock (PageTableLock)
                    {
                        if (vma.EntriesLocked.TryGetValue(at.Value >> Page.Shift, out PageTableEntry entry))
                        {
                            _frames.Read(entry.Frame, offset, destination.Slice(done, count));
                            break;
                        }
                    }
                    FaultLocked(vma, at, write: false);
                }
                done += count;
            }
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
    }

    /// <summary>copy_to_user: an unmapped or read-only page is EFAULT, a SIGBUS page is <see cref="HostAccessFault"/>.</summary>
    public void Write(Hva address, ReadOnlySpan<byte> source)
    {
        _mmapLock.EnterReadLock();
        try
        {
            int done = 0;
            while (done < source.Length)
            {
                Hva at = address + (long)done;
                int offset = (int)(at.Value & Page.OffsetMask);
                int count = Math.Min(Page.Size - offset, source.Length - done);
                Vma vma = FindForAccessLocked(at, write: true, "copy_to_user");
                while (true)
                {
                    lock (PageTableLock)
                    {
                        if (vma.EntriesLocked.TryGetValue(at.Value >> Page.Shift, out PageTableEntry entry) && entry.Writable)
                        {
                            _frames.Write(entry.Frame, offset, source.Slice(done, count));
                            break;
                        }
                    }
                    FaultLocked(vma, at, write: true);
                }
                done += count;
            }
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
    }

    /// <summary>
    /// hva_to_pfn for a hypervisor: faults the page in as a user access would and returns its frame, or
    /// the errno a guest access through it would see (EFAULT unmapped/forbidden; HWPOISON/SIGBUS pages
    /// as EFAULT). The frame stays valid until an <see cref="IMmuNotifier"/> invalidation covers it.
    /// </summary>
    public bool TryTranslate(Hva address, bool write, out Pfn frame, out Errno error)
    {
        frame = default;
        _mmapLock.EnterReadLock();
        try
        {
            Vma? vma = FindLocked(address);
            if (vma is null || !Allows(vma.Protection, write))
            {
                error = Errno.EFAULT;
                return false;
            }
            while (true)
            {
                lock (PageTableLock)
                {
                    if (vma.EntriesLocked.TryGetValue(address.Value >> Page.Shift, out PageTableEntry entry) && (entry.Writable || !write))
                    {
                        frame = entry.Frame;
                        error = default;
                        return true;
                    }
                }
                FaultLocked(vma, address, write);
            }
        }
        catch (HostAccessFault)
        {
            error = Errno.EFAULT;
            return false;
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
    }

    /// <summary><c>mprotect</c>: EINVAL unaligned, ENOMEM for an unmapped page, EACCES for PROT_EXEC on a noexec file.</summary>
    public void Protect(Hva address, long length, MapProtection protection)
    {
        if (!address.IsPageAligned || length < 0 || (protection & ~(MapProtection.ReadWrite | MapProtection.Exec)) != 0)
        {
            throw new GmemException("mprotect", Errno.EINVAL);
        }
        if (length == 0)
        {
            return;
        }
        Hva end = address + (Page.CountPages((ulong)length) << Page.Shift);
        _mmapLock.EnterWriteLock();
        try
        {
            List<Vma> areas = CoveringLocked(address, end) ?? throw new GmemException("mprotect", Errno.ENOMEM);
            if ((protection & MapProtection.Exec) != 0 && areas.Any(v => v.File is { AllowsExec: false }))
            {
                throw new GmemException("mprotect", Errno.EACCES, "The file is on a noexec mount.");
            }
            SplitAtLocked(address);
            SplitAtLocked(end);
            Notify(address, end, start: true);
            lock (PageTableLock)
            {
                foreach (Vma vma in CoveringLocked(address, end)!)
                {
                    vma.Protection = protection;
                }
            }
            Notify(address, end, start: false);
        }
        finally
        {
            _mmapLock.ExitWriteLock();
        }
    }

    /// <summary><c>madvise</c>: ENOMEM when part of the range is unmapped (after advising the mapped part).</summary>
    public void Advise(Hva address, long length, MemoryAdvice advice)
    {
        if (!address.IsPageAligned || length < 0 || !Enum.IsDefined(advice))
        {
            throw new GmemException("madvise", Errno.EINVAL);
        }
        if (length == 0)
        {
            return;
        }
        Hva end = address + (Page.CountPages((ulong)length) << Page.Shift);
        var punches = new List<(HostFile File, long Offset, long Length)>();
        bool hole = false;
        _mmapLock.EnterReadLock();
        try
        {
            for (Hva at = address; at < end;)
            {
                Vma? vma = FindLocked(at);
                if (vma is null)
                {
                    hole = true;
                    at += (long)Page.Size;
                    continue;
                }
                Hva to = vma.End < end ? vma.End : end;
                switch (advice)
                {
                    case MemoryAdvice.DontNeed:
                        ZapLocked(vma, at, to);
                        break;
                    case MemoryAdvice.Remove:
                        if (vma.File is null || !vma.IsShared)
                        {
                            throw new GmemException("madvise", Errno.EINVAL, "MADV_REMOVE needs a shared file mapping.");
                        }
                        punches.Add((vma.File, vma.FileIndexOf(at).Offset, (long)(to - at)));
                        break;
                    case MemoryAdvice.Collapse:
                        if (vma.File is { } file && !file.SupportsHugeMappings)
                        {
                            throw new GmemException("madvise", Errno.EINVAL, "MADV_COLLAPSE: the file has no huge host mappings.");
                        }
                        break;
                    default:
                        break;
                }
                at = to;
            }
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
        foreach ((HostFile file, long offset, long bytes) in punches)
        {
            file.Fallocate(FallocateFlags.KeepSize | FallocateFlags.PunchHole, offset, bytes);
        }
        if (hole)
        {
            throw new GmemException("madvise", Errno.ENOMEM, "Part of the range is not mapped.");
        }
    }

    /// <summary>
    /// Drops the host page table entries of file pages [first, end) in <paramref name="vma"/> (a punched
    /// hole, a released file, a conversion to private). Caller holds the file's lock that keeps the
    /// frames alive; this notifies secondary MMUs first.
    /// </summary>
    public int ZapFilePages(Vma vma, PageIndex first, PageIndex end)
    {
        Notify(vma, first, end, start: true);
        int removed;
        lock (PageTableLock)
        {
            removed = vma.ZapFilePagesLocked(first, end);
        }
        Notify(vma, first, end, start: false);
        return removed;
    }

    private void Notify(Vma vma, PageIndex first, PageIndex end, bool start)
    {
        (PageIndex lo, PageIndex hi) = vma.FileRange;
        lo = first > lo ? first : lo;
        hi = end < hi ? end : hi;
        if (lo >= hi)
        {
            return;
        }
        Notify(vma.AddressOf(lo), vma.AddressOf(hi), start);
    }

    private void Notify(Hva from, Hva to, bool start)
    {
        IMmuNotifier[] notifiers;
        lock (_notifiers)
        {
            notifiers = [.. _notifiers];
        }
        foreach (IMmuNotifier notifier in notifiers)
        {
            if (start)
            {
                notifier.InvalidateRangeStart(from, to);
            }
            else
            {
                notifier.InvalidateRangeEnd(from, to);
            }
        }
    }

    /// <summary>MADV_DONTNEED of [from, to) in <paramref name="vma"/> (mmap lock held): file data stays, anonymous data goes.</summary>
    private void ZapLocked(Vma vma, Hva from, Hva to)
    {
        Notify(from, to, start: true);
        lock (PageTableLock)
        {
            FreeAnonymousLocked(vma, from, to);
        }
        Notify(from, to, start: false);
    }

    private Vma FindForAccessLocked(Hva at, bool write, string operation)
    {
        Vma? vma = FindLocked(at);
        if (vma is null)
        {
            throw new GmemException(operation, Errno.EFAULT, $"{at} is not mapped.");
        }
        if (!Allows(vma.Protection, write))
        {
            throw new GmemException(operation, Errno.EFAULT, $"{at} is mapped {vma.Protection}.");
        }
        return vma;
    }

    private static bool Allows(MapProtection protection, bool write) =>
        write ? (protection & MapProtection.Write) != 0 : (protection & MapProtection.ReadWrite) != 0;

    /// <summary>A page fault at <paramref name="at"/> (mmap lock held for reading). Installs an entry or throws.</summary>
    private void FaultLocked(Vma vma, Hva at, bool write)
    {
        Hva page = new(at.Value & ~Page.OffsetMask);
        if (vma.File is null)
        {
            Pfn frame = _frames.AllocateAnonymous();
            lock (PageTableLock)
            {
                if (!vma.EntriesLocked.TryAdd(page.Value >> Page.Shift, new PageTableEntry(frame, Writable: true, IsAnonymous: true)))
                {
                    _frames.FreeAnonymous(frame);
                }
            }
            return;
        }
        if (vma.IsShared || !write)
        {
            vma.File.FaultShared(vma, vma.FileIndexOf(page), write, at);
            return;
        }
        // A write to a private file mapping: copy the file page into an anonymous frame (copy on write),
        // replacing the entry, so secondary MMUs that mapped the file page must let it go first.
        bool present;
        lock (PageTableLock)
        {
            present = vma.EntriesLocked.ContainsKey(page.Value >> Page.Shift);
        }
        if (!present)
        {
            vma.File.FaultShared(vma, vma.FileIndexOf(page), write: false, at);
            return;
        }
        Notify(page, page + (long)Page.Size, start: true);
        try
        {
            lock (PageTableLock)
            {
                if (vma.EntriesLocked.TryGetValue(page.Value >> Page.Shift, out PageTableEntry entry) && !entry.IsAnonymous)
                {
                    Pfn copy = _frames.AllocateAnonymous();
                    _frames.CopyFrame(entry.Frame, copy);
                    vma.EntriesLocked[page.Value >> Page.Shift] = new PageTableEntry(copy, Writable: true, IsAnonymous: true);
                }
            }
        }
        finally
        {
            Notify(page, page + (long)Page.Size, start: false);
        }
    }
}
