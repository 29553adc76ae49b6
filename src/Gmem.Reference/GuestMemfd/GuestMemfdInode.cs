// A guest memory file's inode: the memory itself (spec §1.1, §1.3).
//
// Data model: Size and Flags fixed at creation; the page cache maps folio index (page index >> FolioOrder)
// → GmemFolio (order 0, or 9/18 for Hugetlb2M/1G files, whose frames come from a huge-page reservation
// taken at creation); the files viewing it (exactly one today); the host mappings of it (`i_mmap`).
// With AttributeModel.PerFile the inode also keeps the shared pages (a PageRangeSet; model B, spec
// §2.18), changed only by in-place conversion with the invalidation lock held exclusively.
// Page state machine per page: HOLE (no folio) → ALLOCATED (folio, not up to date) → READY (up to date:
// zeroed once on first use, or written by Populate) → POISONED (stays until punched). Punch and release
// return pages to HOLE and free the frames.
//
// Locking (outer to inner): InvalidateLock (the kernel's filemap invalidate lock: shared for allocation,
// user faults, guest lookups and poison; exclusive for punch, bind, unbind, populate and release) →
// _mappingsLock (i_mmap) → a host address space's page-table lock. _cacheLock guards the dictionary and
// folio fields against concurrent shared holders; frames are freed only with InvalidateLock exclusive,
// which is what makes a lookup under the shared lock safe to use.

using Gmem.Reference.Host;
using Gmem.Reference.Mm;

namespace Gmem.Reference.GuestMemfd;

/// <summary>The memory of a guest memory file.</summary>
internal sealed partial class GuestMemfdInode
{
    private static long s_nextInode = 0x1000;
    private readonly FrameAccess _frames;
    private readonly object _cacheLock = new();
    private readonly Dictionary<ulong, GmemFolio> _cache = [];
    private readonly object _mappingsLock = new();
    private readonly HashSet<Vma> _mappings = [];
    private readonly List<GuestMemfdFile> _files = [];
    private readonly HugePageReservation? _reservation;
    private readonly PageRangeSet? _shared;
    private bool _freed;

    /// <summary>Creates the inode; the caller has validated size and flags and taken the huge-page reservation.</summary>
    public GuestMemfdInode(FrameAccess frames, long size, GuestMemfdFlags flags, int folioOrder, FrameOwner owner, HugePageReservation? reservation,
        bool perFileAttributes = false)
    {
        _frames = frames;
        Size = size;
        Flags = flags;
        FolioOrder = folioOrder;
        Owner = owner;
        _reservation = reservation;
        Number = (ulong)Interlocked.Increment(ref s_nextInode);
        if (perFileAttributes)
        {
            // Model B: every page starts private, or shared with INIT_SHARED.
            _shared = new PageRangeSet();
            if ((flags & GuestMemfdFlags.InitShared) != 0)
            {
                _shared.Add(0, Pages);
            }
        }
    }

    /// <summary>The frame owner of every folio of this inode (invariant 4: one owner per frame).</summary>
    public FrameOwner Owner { get; }

    /// <summary>Bytes, fixed at creation.</summary>
    public long Size { get; }

    /// <summary>Pages in the file.</summary>
    public ulong Pages => (ulong)Size >> Page.Shift;

    /// <summary>Creation flags.</summary>
    public GuestMemfdFlags Flags { get; }

    /// <summary>The inode number (st_ino).</summary>
    public ulong Number { get; }

    /// <summary>log2 of the pages per folio (0, 9 or 18).</summary>
    public int FolioOrder { get; }

    /// <summary>The invalidation lock (see the header).</summary>
    public ReaderWriterLockSlim InvalidateLock { get; } = new(LockRecursionPolicy.NoRecursion);

    /// <summary>The filter of invalidations from this file: shared mappings for INIT_SHARED files, else private; both with per-file attributes.</summary>
    public GmemInvalidationFilter Filter =>
        _shared is not null ? GmemInvalidationFilter.All
        : (Flags & GuestMemfdFlags.InitShared) != 0 ? GmemInvalidationFilter.Shared : GmemInvalidationFilter.Private;

    /// <summary>Whether the file keeps per-page shared/private attributes (model B, in-place conversion).</summary>
    public bool HasPerFileAttributes => _shared is not null;

    /// <summary>
    /// Whether page <paramref name="index"/> is shared (host faults allowed). Model A: the INIT_SHARED flag;
    /// model B: the per-file attribute (read under the invalidation lock, which conversions hold exclusively).
    /// </summary>
    public bool IsShared(PageIndex index) => _shared is null ? (Flags & GuestMemfdFlags.InitShared) != 0 : _shared.Contains(index.Value);

    /// <summary>Folios in the page cache.</summary>
    public int FolioCount
    {
        get
        {
            lock (_cacheLock)
            {
                return _cache.Count;
            }
        }
    }

    /// <summary>The files viewing this inode.</summary>
    public List<GuestMemfdFile> FilesLocked => _files;

    /// <summary>The folio holding page <paramref name="index"/>, or null for a hole (for tests and invariant checks).</summary>
    public GmemFolio? Lookup(PageIndex index)
    {
        lock (_cacheLock)
        {
            return _cache.GetValueOrDefault(index.Value >> FolioOrder);
        }
    }

    /// <summary>Every folio (for invariant checks).</summary>
    public List<GmemFolio> Folios()
    {
        lock (_cacheLock)
        {
            return [.. _cache.Values];
        }
    }

    /// <summary>fallocate(KEEP_SIZE) of pages [first, end): allocates the holes, leaves existing pages; does not zero.</summary>
    public void Allocate(PageIndex first, PageIndex end)
    {
        InvalidateLock.EnterReadLock();
        try
        {
            for (ulong f = first.Value >> FolioOrder; f << FolioOrder < end.Value; f++)
            {
                GetOrCreateFolio(f);
            }
        }
        finally
        {
            InvalidateLock.ExitReadLock();
        }
    }

    /// <summary>
    /// The folio at folio index <paramref name="folioIndex"/>, allocating it if absent (caller holds
    /// InvalidateLock, shared or exclusive).
    /// </summary>
    /// <exception cref="GmemException">ENOMEM.</exception>
    public GmemFolio GetOrCreateFolio(ulong folioIndex)
    {
        Debug.Assert(InvalidateLock.IsReadLockHeld || InvalidateLock.IsWriteLockHeld, "invalidation lock held");
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(folioIndex, out GmemFolio? existing))
            {
                return existing;
            }
            ObjectDisposedException.ThrowIf(_freed, this);
            Folio frames = _reservation is null ? _frames.AllocateFolio(0, Owner) : _reservation.Allocate();
            var folio = new GmemFolio(frames, folioIndex);
            _cache.Add(folioIndex, folio);
            return folio;
        }
    }

    /// <summary>
    /// Zeroes <paramref name="folio"/> if it is not up to date, and marks it (the single lazy zeroing of
    /// §1.3). Caller holds InvalidateLock.
    /// </summary>
    public void MakeUptodate(GmemFolio folio)
    {
        if (folio.IsUptodate)
        {
            return;
        }
        lock (_cacheLock)
        {
            if (!folio.IsUptodate)
            {
                _frames.ZeroOnFirstUse(folio.Folio);
                folio.IsUptodate = true;
            }
        }
    }

    /// <summary>Writes a whole page of content into page <paramref name="index"/> of <paramref name="folio"/> and marks a base folio up to date.</summary>
    public void WritePage(GmemFolio folio, PageIndex index, ReadOnlySpan<byte> content)
    {
        Debug.Assert(content.Length == Page.Size, "a whole page");
        lock (_cacheLock)
        {
            _frames.Write(folio.FrameOf(index), 0, content);
            if (folio.Order == 0)
            {
                _frames.SetUptodate(folio.Folio);
                folio.IsUptodate = true;
            }
        }
    }

    /// <summary>
    /// NoDirectMap files: the folio's frames leave the direct map now that the guest uses the folio as
    /// private memory (after zeroing, which goes through the direct map). Caller holds InvalidateLock.
    /// </summary>
    public void LeaveDirectMapIfPrivate(GmemFolio folio)
    {
        if ((Flags & GuestMemfdFlags.NoDirectMap) == 0 || IsShared(folio.FirstPage))
        {
            return;
        }
        lock (_cacheLock)
        {
            if (!folio.DirectMapRemoved)
            {
                _frames.RemoveFromDirectMap(folio.Folio);
                folio.DirectMapRemoved = true;
            }
        }
    }

    /// <summary>A host mapping of the file was created.</summary>
    public void AddMapping(Vma vma)
    {
        lock (_mappingsLock)
        {
            _mappings.Add(vma);
        }
    }

    /// <summary>A host mapping of the file went away.</summary>
    public void RemoveMapping(Vma vma)
    {
        lock (_mappingsLock)
        {
            _mappings.Remove(vma);
        }
    }

    /// <summary>Host mappings currently alive.</summary>
    public int MappingCount
    {
        get
        {
            lock (_mappingsLock)
            {
                return _mappings.Count;
            }
        }
    }

    /// <summary>Removes host page table entries of pages [first, end) from every mapping (unmap_mapping_range).</summary>
    public void ZapHostMappings(PageIndex first, PageIndex end)
    {
        lock (_mappingsLock)
        {
            foreach (Vma vma in _mappings)
            {
                vma.Space.ZapFilePages(vma, first, end);
            }
        }
    }

    /// <summary>Frees the folios of pages [first, end) (caller holds InvalidateLock exclusively; host and guest mappings are gone).</summary>
    public void TruncateLocked(PageIndex first, PageIndex end)
    {
        Debug.Assert(InvalidateLock.IsWriteLockHeld, "invalidation lock held exclusively");
        lock (_cacheLock)
        {
            ulong lo = first.Value >> FolioOrder;
            ulong hi = (end.Value + (1UL << FolioOrder) - 1) >> FolioOrder;
            if (hi - lo > (ulong)_cache.Count)
            {
                foreach (ulong key in _cache.Keys.Where(k => k >= lo && k < hi).ToList())
                {
                    FreeFolioLocked(key);
                }
            }
            else
            {
                for (ulong f = lo; f < hi; f++)
                {
                    FreeFolioLocked(f);
                }
            }
        }
    }

    /// <summary>Frees every folio and returns the huge-page reservation (the inode dies with its last file).</summary>
    public void FreeAllLocked()
    {
        Debug.Assert(InvalidateLock.IsWriteLockHeld, "invalidation lock held exclusively");
        lock (_cacheLock)
        {
            foreach (ulong key in _cache.Keys.ToList())
            {
                FreeFolioLocked(key);
            }
            if (!_freed)
            {
                _reservation?.Dispose();
            }
            _freed = true;
        }
    }

    private void FreeFolioLocked(ulong key)
    {
        if (!_cache.Remove(key, out GmemFolio? folio))
        {
            return;
        }
        // A NoDirectMap folio comes back into the direct map here, before the allocator gets it.
        _frames.FreeFolio(folio.Folio, folio.DirectMapRemoved);
    }
}
