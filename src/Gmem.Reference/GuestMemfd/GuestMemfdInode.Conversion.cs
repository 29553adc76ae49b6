// In-place conversion of a guest memory file (model B, the in-flight KVM_SET_MEMORY_ATTRIBUTES2 on the
// gmem fd, spec §2.18): the per-file shared/private map changes; page contents never do.
// Data model and locking: see GuestMemfdInode.cs; a conversion holds the invalidation lock exclusively.

namespace Gmem.Reference.GuestMemfd;

internal sealed partial class GuestMemfdInode
{
    /// <summary>
    /// Converts pages [first, end) to private (<paramref name="toPrivate"/>) or shared. Already in that state →
    /// nothing at all. To private: host entries of the range are unmapped, then a page whose frame has a
    /// reference beyond the file's own (a pin) makes it fail with EAGAIN naming that page's offset, with no
    /// attribute changed. Otherwise: invalidate bound VMs (zapping the kind being revoked), store the
    /// attribute; to shared also drops exclusive pins and brings NoDirectMap frames back into the direct map.
    /// </summary>
    /// <exception cref="GmemException">EAGAIN with <see cref="GmemException.ErrorOffset"/>.</exception>
    public void Convert(PageIndex first, PageIndex end, bool toPrivate, string operation)
    {
        PageRangeSet shared = _shared ?? throw new InvalidOperationException("The file has no per-file attributes.");
        InvalidateLock.EnterWriteLock();
        try
        {
            bool already = toPrivate ? !shared.Intersects(first.Value, end.Value) : shared.Covers(first.Value, end.Value);
            if (already)
            {
                return;
            }
            List<GmemFolio> folios = FoliosIn(first, end);
            if (toPrivate)
            {
                ZapHostMappings(first, end);
                foreach (GmemFolio folio in folios)
                {
                    PageIndex lo = folio.FirstPage > first ? folio.FirstPage : first;
                    PageIndex hi = folio.FirstPage + folio.Folio.Frames < end ? folio.FirstPage + folio.Folio.Frames : end;
                    for (PageIndex i = lo; i < hi; i += 1)
                    {
                        Mm.FrameInfo info = _frames.Mm.Frames.GetInfo(folio.FrameOf(i));
                        if (info.PinCount > 0 || (folio.Order == 0 && info.RefCount > 1))
                        {
                            throw new GmemException(operation, Errno.EAGAIN, $"{i} has an extra reference (a pin).", errorOffset: i.Offset);
                        }
                    }
                }
            }
            GmemInvalidationFilter revoked = toPrivate ? GmemInvalidationFilter.Shared : GmemInvalidationFilter.Private;
            InvalidateLocked(first, end, revoked, () =>
            {
                if (toPrivate)
                {
                    shared.Remove(first.Value, end.Value);
                    return;
                }
                shared.Add(first.Value, end.Value);
                foreach (GmemFolio folio in folios)
                {
                    PageIndex lo = folio.FirstPage > first ? folio.FirstPage : first;
                    PageIndex hi = folio.FirstPage + folio.Folio.Frames < end ? folio.FirstPage + folio.Folio.Frames : end;
                    _frames.Mm.Pins.ReleaseExclusiveOnShare(folio.FrameOf(lo), hi - lo);
                    // A folio that is shared as a whole comes back into the direct map; a huge folio only
                    // partly shared stays out (host accesses do not go through the direct map).
                    if (folio.DirectMapRemoved && shared.Covers(folio.FirstPage.Value, folio.FirstPage.Value + folio.Folio.Frames))
                    {
                        lock (_cacheLock)
                        {
                            _frames.Mm.DirectMap.Restore(folio.Folio);
                            folio.DirectMapRemoved = false;
                        }
                    }
                }
            });
        }
        finally
        {
            InvalidateLock.ExitWriteLock();
        }
    }

    /// <summary>The shared ranges (model B), for tests and the hypervisor's attribute lookups.</summary>
    public List<(ulong Start, ulong End)> SharedRanges()
    {
        InvalidateLock.EnterReadLock();
        try
        {
            return _shared?.Ranges() ?? [];
        }
        finally
        {
            InvalidateLock.ExitReadLock();
        }
    }

    private List<GmemFolio> FoliosIn(PageIndex first, PageIndex end)
    {
        lock (_cacheLock)
        {
            ulong lo = first.Value >> FolioOrder;
            ulong hi = (end.Value + (1UL << FolioOrder) - 1) >> FolioOrder;
            return hi - lo > (ulong)_cache.Count
                ? [.. _cache.Values.Where(f => f.Index >= lo && f.Index < hi).OrderBy(f => f.Index)]
                : [.. Enumerable.Range(0, (int)(hi - lo)).Select(i => _cache.GetValueOrDefault(lo + (ulong)i)).OfType<GmemFolio>()];
        }
    }
}
