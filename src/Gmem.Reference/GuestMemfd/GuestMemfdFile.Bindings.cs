// The hypervisor-facing operations of a guest memory file: bind/unbind a memslot (spec §2.7 checks
// 13–15, §2.8), the guest lookup kvm_gmem_get_pfn (§2.11), populate (§2.16) and poison (§2.17).
// Data model and locking: see GuestMemfdFile.cs.

using Gmem.Reference.Kvm;

namespace Gmem.Reference.GuestMemfd;

internal sealed partial class GuestMemfdFile
{
    /// <summary>Bindings alive (for tests and invariant checks).</summary>
    public int BindingCount
    {
        get
        {
            Inode.InvalidateLock.EnterReadLock();
            try
            {
                return _bindings.Count;
            }
            finally
            {
                Inode.InvalidateLock.ExitReadLock();
            }
        }
    }

    /// <summary>
    /// Binds file bytes [<paramref name="offset"/>, +<paramref name="size"/>) to guest frames from
    /// <paramref name="baseGfn"/> (kvm_gmem_bind). Checks in the kernel's order after the memslot's own:
    /// another VM's file → EINVAL; offset + size past EOF, compared unsigned (7.2) → EINVAL; Reference huge
    /// files: offset or size not a multiple of the huge page → EINVAL; a range already bound in this file →
    /// EEXIST (7.2). Caller holds <paramref name="vm"/>'s SlotsLock and a reference on the file (fget).
    /// </summary>
    public GmemBinding Bind(Vm vm, Gfn baseGfn, ulong offset, ulong size)
    {
        const string op = "KVM_SET_USER_MEMORY_REGION2";
        Debug.Assert(Monitor.IsEntered(vm.SlotsLock), "slots lock held");
        if (!ReferenceEquals(vm, Vm))
        {
            throw new GmemException(op, Errno.EINVAL, "The guest memory file belongs to another VM.");
        }
        if (offset > (ulong)Size || size > (ulong)Size - offset)
        {
            throw new GmemException(op, Errno.EINVAL, $"[0x{offset:x}, +0x{size:x}) is outside the guest memory file ({Size} bytes).");
        }
        ulong alignment = (ulong)Page.Size << Inode.FolioOrder;
        if (offset % alignment != 0 || size % alignment != 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"[0x{offset:x}, +0x{size:x}) is not aligned to the file's {alignment >> 20} MiB folios.");
        }
        var binding = new GmemBinding(this, PageIndex.FromOffset((long)offset), size >> Page.Shift, baseGfn);
        Inode.InvalidateLock.EnterWriteLock();
        try
        {
            if (BindingsIntersectingLocked(binding.Start, binding.End).FirstOrDefault() is { } other)
            {
                throw new GmemException(op, Errno.EEXIST, $"Pages [{binding.Start.Value}, {binding.End.Value}) overlap the binding [{other.Start.Value}, {other.End.Value}).");
            }
            _bindings.Add(binding.Start.Value, binding);
        }
        finally
        {
            Inode.InvalidateLock.ExitWriteLock();
        }
        return binding;
    }

    /// <summary>
    /// kvm_gmem_unbind (slot delete): removes the binding; a dead binding (file already released) is left
    /// as is. Pages stay in the file. Caller holds the VM's SlotsLock.
    /// </summary>
    public static void Unbind(GmemBinding binding)
    {
        GuestMemfdFile? file = binding.File;
        if (file is null)
        {
            return;
        }
        Debug.Assert(Monitor.IsEntered(file.Vm.SlotsLock), "slots lock held");
        file.Inode.InvalidateLock.EnterWriteLock();
        try
        {
            if (file._bindings.TryGetValue(binding.Start.Value, out GmemBinding? found) && ReferenceEquals(found, binding))
            {
                file._bindings.Remove(binding.Start.Value);
            }
            binding.Kill();
        }
        finally
        {
            file.Inode.InvalidateLock.ExitWriteLock();
        }
    }

    /// <summary>The bindings that intersect pages [first, end) (caller holds the invalidation lock).</summary>
    public IEnumerable<GmemBinding> BindingsIntersectingLocked(PageIndex first, PageIndex end)
    {
        // Bindings are disjoint and sorted by start, so at most one binding starting before `first` intersects.
        IList<ulong> keys = _bindings.Keys;
        int lo = 0;
        int hi = keys.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < first.Value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        int index = lo > 0 && _bindings.Values[lo - 1].End > first ? lo - 1 : lo;
        for (; index < keys.Count && keys[index] < end.Value; index++)
        {
            yield return _bindings.Values[index];
        }
    }

    /// <summary>kvm_gmem_get_pfn for <paramref name="binding"/> (see <see cref="GmemBinding.TryGetPfn"/>).</summary>
    public bool TryGetPfn(GmemBinding binding, Gfn gfn, out Pfn frame, out int order, out Errno error)
    {
        frame = default;
        order = 0;
        Inode.InvalidateLock.EnterReadLock();
        try
        {
            if (!ReferenceEquals(binding.File, this) || !IsLive)
            {
                error = Errno.EFAULT;
                return false;
            }
            PageIndex index = binding.IndexOf(gfn);
            if (gfn < binding.BaseGfn || index >= binding.End
                || !_bindings.TryGetValue(binding.Start.Value, out GmemBinding? bound) || !ReferenceEquals(bound, binding))
            {
                error = Errno.EIO;
                return false;
            }
            GmemFolio folio;
            try
            {
                folio = Inode.GetOrCreateFolio(index.Value >> Inode.FolioOrder);
            }
            catch (GmemException e)
            {
                error = e.Errno;
                return false;
            }
            if (folio.IsPoisoned(index))
            {
                error = Errno.EHWPOISON;
                return false;
            }
            Inode.MakeUptodate(folio);
            Inode.LeaveDirectMapIfPrivate(folio);
            frame = folio.FrameOf(index);
            order = folio.Order;
            error = default;
            return true;
        }
        finally
        {
            Inode.InvalidateLock.ExitReadLock();
        }
    }

    /// <summary>
    /// kvm_gmem_populate (spec §2.16) from <paramref name="binding"/>'s slot: copies <paramref name="pages"/>
    /// pages of <paramref name="source"/> into the file pages behind <paramref name="start"/>… (clamped to the
    /// slot end) and marks them up to date. Each page must be private per <paramref name="isPrivate"/>
    /// (else EINVAL) and not poisoned (EHWPOISON). Returns the pages done; throws the first page's error
    /// when none was done. Takes the invalidation lock exclusively per page.
    /// </summary>
    public static long Populate(GmemBinding binding, Gfn start, ReadOnlySpan<byte> source, long pages, Func<Gfn, bool> isPrivate)
    {
        const string op = "populate";
        if (pages <= 0 || source.Length < pages * Page.Size)
        {
            throw new GmemException(op, Errno.EINVAL, $"{pages} pages from a source of {source.Length} bytes.");
        }
        GuestMemfdFile file = binding.File ?? throw new GmemException(op, Errno.EFAULT, "The guest memory file was closed.");
        ulong available = start >= binding.BaseGfn && binding.IndexOf(start) < binding.End ? binding.End - binding.IndexOf(start) : 0;
        if (available == 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"{start} is outside the slot.");
        }
        long count = (long)Math.Min((ulong)pages, available);
        for (long i = 0; i < count; i++)
        {
            Gfn gfn = start + (ulong)i;
            Errno error = file.PopulateOne(binding, gfn, source.Slice((int)(i * Page.Size), Page.Size), isPrivate(gfn));
            if (error != 0)
            {
                return i > 0 ? i : throw new GmemException(op, error, $"Populating {gfn} failed.");
            }
        }
        return count;
    }

    /// <summary>Poisons file page <paramref name="index"/> (a simulated memory error). False for a hole.</summary>
    public bool Poison(PageIndex index) => Inode.Poison(index);

    private Errno PopulateOne(GmemBinding binding, Gfn gfn, ReadOnlySpan<byte> page, bool isPrivate)
    {
        Inode.InvalidateLock.EnterWriteLock();
        try
        {
            if (!ReferenceEquals(binding.File, this))
            {
                return Errno.EFAULT;
            }
            PageIndex index = binding.IndexOf(gfn);
            GmemFolio folio;
            try
            {
                folio = Inode.GetOrCreateFolio(index.Value >> Inode.FolioOrder);
            }
            catch (GmemException e)
            {
                return e.Errno;
            }
            if (folio.IsPoisoned(index))
            {
                return Errno.EHWPOISON;
            }
            if (!isPrivate)
            {
                return Errno.EINVAL;
            }
            // A huge folio's other pages must read zero once it is up to date, so zero it first; a base
            // page is simply overwritten (populate does not zero).
            if (folio.Order > 0)
            {
                Inode.MakeUptodate(folio);
            }
            Inode.WritePage(folio, index, page);
            Inode.LeaveDirectMapIfPrivate(folio);
            return 0;
        }
        finally
        {
            Inode.InvalidateLock.ExitWriteLock();
        }
    }
}
