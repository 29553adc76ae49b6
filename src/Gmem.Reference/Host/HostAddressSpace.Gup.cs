// get_user_pages for the simulated host process: pin the frame behind a user address (for DMA, vmsplice,
// a long-term VFIO mapping...). The pin is taken under the page-table lock while the entry exists, so the
// frame cannot be freed in between (a punch hole zaps entries under that lock before freeing; a frame
// freed while pinned stays allocated until the last unpin — the Mm layer's orphan rule).
// Data model and locking: see HostAddressSpace.cs.

using Gmem.Reference.Mm;

namespace Gmem.Reference.Host;

internal sealed partial class HostAddressSpace
{
    /// <summary>
    /// pin_user_pages of the page at <paramref name="address"/>: faults it in like a user access (EFAULT for
    /// unmapped or forbidden addresses, <see cref="HostAccessFault"/> for SIGBUS pages) and pins its frame.
    /// </summary>
    /// <exception cref="GmemException">EFAULT; EBUSY when the pin rules refuse (an exclusive pin exists, or one is asked for while another pin exists).</exception>
    public Pfn PinUserPage(Hva address, bool write, PinFlags flags)
    {
        _mmapLock.EnterReadLock();
        try
        {
            Vma vma = FindForAccessLocked(address, write, "pin_user_pages");
            while (true)
            {
                lock (PageTableLock)
                {
                    if (vma.EntriesLocked.TryGetValue(address.Value >> Page.Shift, out PageTableEntry entry) && (entry.Writable || !write))
                    {
                        _frames.Mm.Pins.Pin(entry.Frame, flags);
                        return entry.Frame;
                    }
                }
                FaultLocked(vma, address, write);
            }
        }
        finally
        {
            _mmapLock.ExitReadLock();
        }
    }

    /// <summary>unpin_user_page: drops a pin taken by <see cref="PinUserPage"/>; false when it was already released (an exclusive pin dropped on free or share).</summary>
    public bool UnpinUserPage(Pfn frame, PinFlags flags) => _frames.Mm.Pins.Unpin(frame, flags);
}
