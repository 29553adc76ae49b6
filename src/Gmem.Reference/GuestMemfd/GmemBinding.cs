// A binding of guest memory file pages [Start, Start + Pages) to the guest frames starting at BaseGfn
// (one gmem memslot's `gmem.file` + `gmem.pgoff`, and the file's bindings entry for it).
//
// Lifetime: created by GuestMemfdFile.Bind, removed by Unbind (slot delete). When the file is released
// first, File becomes null ("dead" binding, spec §1.5 #6): lookups fail with EFAULT, Unbind is a no-op.
// The binding does not keep the file open (the file pins the VM, not the other way round).
//
// Locking: File is written under the inode's invalidation lock held exclusively (and the VM's slots
// lock), read lock-free (volatile) and re-checked under the invalidation lock by GetPfn.

namespace Gmem.Reference.GuestMemfd;

/// <summary>A memslot's view of a guest memory file range.</summary>
internal sealed class GmemBinding
{
    private volatile GuestMemfdFile? _file;

    /// <summary>Creates a live binding (only <see cref="GuestMemfdFile.Bind"/> does).</summary>
    internal GmemBinding(GuestMemfdFile file, PageIndex start, ulong pages, Gfn baseGfn)
    {
        _file = file;
        Start = start;
        Pages = pages;
        BaseGfn = baseGfn;
    }

    /// <summary>The bound file; null once the file was released or the binding removed.</summary>
    public GuestMemfdFile? File => _file;

    /// <summary>The first file page bound.</summary>
    public PageIndex Start { get; }

    /// <summary>Pages bound.</summary>
    public ulong Pages { get; }

    /// <summary>One past the last file page bound.</summary>
    public PageIndex End => Start + Pages;

    /// <summary>The guest frame of <see cref="Start"/> (the memslot's base_gfn).</summary>
    public Gfn BaseGfn { get; }

    /// <summary>The file page behind <paramref name="gfn"/> (which lies in the slot).</summary>
    public PageIndex IndexOf(Gfn gfn) => Start + (gfn - BaseGfn);

    /// <summary>The guest frame of file page <paramref name="index"/> (which lies in the binding).</summary>
    public Gfn GfnOf(PageIndex index) => BaseGfn + (index - Start);

    /// <summary>
    /// kvm_gmem_get_pfn (spec §2.11) for <paramref name="gfn"/> of this slot: the frame and the order of the
    /// folio that holds it. Errors are values: EFAULT (file closed), EIO (binding mismatch), ENOMEM,
    /// EHWPOISON. No reference is kept: the invalidation protocol (MustRetry) makes a caller that raced
    /// with a punch or release retry before it uses the frame.
    /// </summary>
    public bool TryGetPfn(Gfn gfn, out Pfn frame, out int order, out Errno error)
    {
        GuestMemfdFile? file = _file;
        if (file is null)
        {
            frame = default;
            order = 0;
            error = Errno.EFAULT;
            return false;
        }
        return file.TryGetPfn(this, gfn, out frame, out order, out error);
    }

    /// <summary>Marks the binding dead (caller holds the inode's invalidation lock exclusively).</summary>
    internal void Kill() => _file = null;
}
