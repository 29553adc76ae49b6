// The backing-store side of the invalidation protocol (spec §3, GMEM_INVALIDATE) and the operations
// that use it: punch hole, poison, host user faults.
// Data model and locking: see GuestMemfdInode.cs.

using Gmem.Reference.Host;

namespace Gmem.Reference.GuestMemfd;

internal sealed partial class GuestMemfdInode
{
    /// <summary>
    /// GMEM_INVALIDATE over pages [first, end): for every file, one InvalidateBegin on its VM if any of
    /// its bindings intersects, a RangeAdd per intersecting binding, then <paramref name="mutate"/>, then one
    /// InvalidateEnd per VM that got a begin. Caller holds InvalidateLock (exclusive; shared for poison),
    /// which keeps the bindings stable so begins and ends balance.
    /// </summary>
    public void InvalidateLocked(PageIndex first, PageIndex end, GmemInvalidationFilter filter, Action? mutate)
    {
        Debug.Assert(InvalidateLock.IsWriteLockHeld || InvalidateLock.IsReadLockHeld, "invalidation lock held");
        var touched = new List<IGmemInvalidationTarget>();
        foreach (GuestMemfdFile file in _files)
        {
            bool begun = false;
            foreach (GmemBinding binding in file.BindingsIntersectingLocked(first, end))
            {
                if (!begun)
                {
                    file.InvalidationTarget.InvalidateBegin();
                    touched.Add(file.InvalidationTarget);
                    begun = true;
                }
                PageIndex lo = first > binding.Start ? first : binding.Start;
                PageIndex hi = end < binding.End ? end : binding.End;
                file.InvalidationTarget.InvalidateRangeAdd(binding.GfnOf(lo), binding.GfnOf(hi), filter);
            }
        }
        mutate?.Invoke();
        foreach (IGmemInvalidationTarget target in touched)
        {
            target.InvalidateEnd();
        }
    }

    /// <summary>
    /// Punch hole of pages [first, end) (spec §2.4): with the invalidation lock exclusive, invalidate the
    /// bound VMs, unmap host entries, free the folios (pages → HOLE), end the invalidation. Pages at or
    /// beyond EOF are simply absent.
    /// </summary>
    public void PunchHole(PageIndex first, PageIndex end)
    {
        PageIndex eof = new(Pages);
        end = end < eof ? end : eof;
        InvalidateLock.EnterWriteLock();
        try
        {
            if (first >= end)
            {
                return;
            }
            InvalidateLocked(first, end, Filter, () =>
            {
                ZapHostMappings(first, end);
                TruncateLocked(first, end);
            });
        }
        finally
        {
            InvalidateLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// A hardware memory error on page <paramref name="index"/> (spec §2.17): zap its guest mappings
    /// (begin/end under the shared lock) and host entries, and mark it poisoned; the page stays in the file.
    /// Returns false when the page is a hole (nothing to poison).
    /// </summary>
    public bool Poison(PageIndex index)
    {
        InvalidateLock.EnterReadLock();
        try
        {
            GmemFolio? folio = Lookup(index);
            if (folio is null)
            {
                return false;
            }
            InvalidateLocked(index, index + 1, GmemInvalidationFilter.All, () =>
            {
                lock (_cacheLock)
                {
                    folio.SetPoisoned(index);
                }
                ZapHostMappings(index, index + 1);
            });
            return true;
        }
        finally
        {
            InvalidateLock.ExitReadLock();
        }
    }

    /// <summary>
    /// A host user fault on page <paramref name="index"/> through <paramref name="vma"/> (spec §2.5): SIGBUS
    /// beyond EOF, on a page that is not shared, or on a poisoned page; otherwise allocate, zero once, map.
    /// </summary>
    /// <exception cref="HostAccessFault">The SIGBUS cases.</exception>
    public void FaultUser(Vma vma, PageIndex index, Hva address)
    {
        if (index.Value >= Pages)
        {
            throw new HostAccessFault("page fault", address, $"SIGBUS at {address}: {index} is beyond the end of the guest memory file ({Pages} pages).");
        }
        InvalidateLock.EnterReadLock();
        try
        {
            if (!IsShared(index))
            {
                throw new HostAccessFault("page fault", address, $"SIGBUS at {address}: {index} of the guest memory file is private.");
            }
            GmemFolio folio;
            try
            {
                folio = GetOrCreateFolio(index.Value >> FolioOrder);
            }
            catch (GmemException e) when (e.Errno == Errno.ENOMEM)
            {
                throw new HostAccessFault("page fault", address, $"SIGBUS at {address}: no memory for {index}.");
            }
            if (folio.IsPoisoned(index))
            {
                throw new HostAccessFault("page fault", address, $"SIGBUS at {address}: {index} is poisoned.");
            }
            MakeUptodate(folio);
            Hva page = new(address.Value & ~Page.OffsetMask);
            lock (vma.Space.PageTableLock)
            {
                vma.InstallFilePageLocked(page, folio.FrameOf(index), writable: true);
            }
        }
        finally
        {
            InvalidateLock.ExitReadLock();
        }
    }
}
