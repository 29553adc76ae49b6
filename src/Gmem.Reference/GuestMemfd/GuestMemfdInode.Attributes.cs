// The hypervisor's view of the per-file attributes (model B): whether a page range is wholly shared,
// wholly private or mixed, read under the invalidation lock (conversions hold it exclusively, so a
// reader sees a state before or after a conversion, never during).
// Data model and locking: see GuestMemfdInode.cs.

namespace Gmem.Reference.GuestMemfd;

internal sealed partial class GuestMemfdInode
{
    /// <summary>
    /// For pages [first, end): whether every page is shared and whether any page is shared (model B).
    /// Takes the invalidation lock for reading unless the caller already holds it.
    /// </summary>
    public (bool AllShared, bool AnyShared) SharedState(PageIndex first, PageIndex end)
    {
        PageRangeSet shared = _shared ?? throw new InvalidOperationException("The file has no per-file attributes.");
        bool locked = !InvalidateLock.IsReadLockHeld && !InvalidateLock.IsWriteLockHeld;
        if (locked)
        {
            InvalidateLock.EnterReadLock();
        }
        try
        {
            return (shared.Covers(first.Value, end.Value), shared.Intersects(first.Value, end.Value));
        }
        finally
        {
            if (locked)
            {
                InvalidateLock.ExitReadLock();
            }
        }
    }
}
