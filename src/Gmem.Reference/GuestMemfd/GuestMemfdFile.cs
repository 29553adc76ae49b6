// A guest memory file: one VM's view of a GuestMemfdInode (spec §1.1), and the open file description
// that descriptors and host mappings reference.
//
// Data model: the inode (the memory), the owning VM (the file holds one VM reference: the file pins the
// VM, not the other way round), the bindings (file page range → memslot, pairwise disjoint, keyed by
// first page), and the invalidation target (the VM, or a decorator in tests).
// Lifetime: Release runs when the last descriptor is closed AND the last mapping is gone (§2.10).
//
// Locking: bindings change only with the VM's SlotsLock and the inode's InvalidateLock (exclusive) held,
// and are read under the InvalidateLock (either mode). Order: VM SlotsLock → InvalidateLock → the
// inode's inner locks → the VM's mmu lock (inside the invalidation target).

using Gmem.Reference.Host;
using Gmem.Reference.Kvm;
using Gmem.Reference.Mm;

namespace Gmem.Reference.GuestMemfd;

/// <summary>A guest memory file (<c>KVM_CREATE_GUEST_MEMFD</c>).</summary>
internal sealed partial class GuestMemfdFile : HostFile
{
    private const int FallocSupportedMask = 0xFF;
    private const int FallocModeMask = FallocateFlags.PunchHole | FallocateFlags.CollapseRange | FallocateFlags.ZeroRange
        | FallocateFlags.InsertRange | FallocateFlags.UnshareRange | 0x80;

    private readonly SortedList<ulong, GmemBinding> _bindings = [];

    private GuestMemfdFile(GuestMemfdInode inode, Vm vm)
    {
        Inode = inode;
        Vm = vm;
        InvalidationTarget = vm;
    }

    /// <summary>The memory.</summary>
    public GuestMemfdInode Inode { get; }

    /// <summary>The VM this view belongs to (the only one that may bind it).</summary>
    public Vm Vm { get; }

    /// <summary>Where invalidations of this file's bindings go (the VM; tests put a recorder in front).</summary>
    public IGmemInvalidationTarget InvalidationTarget { get; set; }

    /// <summary>Bytes, fixed at creation.</summary>
    public long Size => Inode.Size;

    /// <summary>Creation flags.</summary>
    public GuestMemfdFlags Flags => Inode.Flags;

    /// <inheritdoc/>
    public override bool AllowsExec => false;

    /// <inheritdoc/>
    public override bool SupportsHugeMappings => false;

    /// <summary>
    /// KVM_CREATE_GUEST_MEMFD checks in the kernel's order (spec §2.1) plus the Reference flags: flags
    /// outside <paramref name="supported"/> (and both huge flags) → EINVAL; size ≤ 0 or not a page multiple →
    /// EINVAL; a Hugetlb size not a multiple of the huge page → EINVAL; no huge pages to reserve → ENOMEM.
    /// Returns the file holding one reference (for the descriptor) and one VM reference.
    /// </summary>
    public static GuestMemfdFile Create(Vm vm, FrameAccess frames, long size, GuestMemfdFlags flags, GuestMemfdFlags supported)
    {
        const string op = "KVM_CREATE_GUEST_MEMFD";
        if ((flags & ~supported) != 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"Flags 0x{(ulong)flags:x} include bits outside 0x{(ulong)supported:x}.");
        }
        const GuestMemfdFlags huge = GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Hugetlb1G;
        if ((flags & huge) == huge)
        {
            throw new GmemException(op, Errno.EINVAL, "Hugetlb2M and Hugetlb1G are exclusive.");
        }
        if (size <= 0 || !Page.IsAligned(size))
        {
            throw new GmemException(op, Errno.EINVAL, $"Size {size} is not a positive multiple of the page size.");
        }
        int order = (flags & GuestMemfdFlags.Hugetlb2M) != 0 ? 9 : (flags & GuestMemfdFlags.Hugetlb1G) != 0 ? 18 : 0;
        var owner = FrameOwner.New(FrameOwnerKind.GuestMemfd);
        HugePageReservation? reservation = null;
        if (order != 0)
        {
            long folioBytes = (long)Page.Size << order;
            if (size % folioBytes != 0)
            {
                throw new GmemException(op, Errno.EINVAL, $"Size {size} is not a multiple of the {folioBytes >> 20} MiB huge page.");
            }
            try
            {
                reservation = frames.ReserveHuge(order, size / folioBytes, owner);
            }
            catch (GmemException e) when (e.Errno == Errno.ENOMEM)
            {
                throw new GmemException(op, Errno.ENOMEM, $"The huge-page pool cannot reserve {size / folioBytes} pages of {folioBytes >> 20} MiB.", innerException: e);
            }
        }
        var inode = new GuestMemfdInode(frames, size, flags, order, owner, reservation,
            perFileAttributes: vm.Hypervisor.Options.AttributeModel == AttributeModel.PerFile);
        var file = new GuestMemfdFile(inode, vm);
        inode.FilesLocked.Add(file);
        vm.Get();
        return file;
    }

    /// <summary>
    /// KVM_SET_MEMORY_ATTRIBUTES2 on the file (in-place conversion, spec §2.18): ENOTTY while attributes are
    /// per VM; else attributes other than PRIVATE → EINVAL; size ≤ 0 or offset + size overflowing → EINVAL;
    /// unaligned → EINVAL; outside the file → EINVAL; then <see cref="GuestMemfdInode.Convert"/>.
    /// </summary>
    public void SetMemoryAttributes(long offset, long size, MemoryAttributes attributes)
    {
        const string op = "KVM_SET_MEMORY_ATTRIBUTES2";
        if (!Inode.HasPerFileAttributes)
        {
            throw new GmemException(op, Errno.ENOTTY, "Memory attributes are per VM (AttributeModel.PerVm).");
        }
        if ((attributes & ~MemoryAttributes.Private) != 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"Attributes 0x{(ulong)attributes:x} are not supported.");
        }
        if (size <= 0 || offset < 0 || offset > long.MaxValue - size)
        {
            throw new GmemException(op, Errno.EINVAL, $"Range [{offset}, +{size}) is empty or wraps.");
        }
        if (!Page.IsAligned(offset) || !Page.IsAligned(size))
        {
            throw new GmemException(op, Errno.EINVAL, $"Range [{offset}, +{size}) is not page aligned.");
        }
        if (offset >= Size || offset + size > Size)
        {
            throw new GmemException(op, Errno.EINVAL, $"Range [{offset}, +{size}) is outside the file ({Size} bytes).");
        }
        Inode.Convert(PageIndex.FromOffset(offset), PageIndex.FromOffset(offset + size), attributes == MemoryAttributes.Private, op);
    }

    /// <inheritdoc/>
    public override FileStatus Stat() => new(Size, Page.Size, 0, FileStatus.RegularFile | 0x180, Inode.Number);

    /// <summary>
    /// fallocate (spec §2.3/§2.4) with the VFS checks first: offset &lt; 0 or length ≤ 0 → EINVAL; unknown mode
    /// bits or several mode bits → EOPNOTSUPP; PUNCH without KEEP_SIZE → EOPNOTSUPP; offset + length past the maximum file size →
    /// EFBIG; then guest_memfd: no KEEP_SIZE or other mode bits → EOPNOTSUPP; unaligned → EINVAL (huge files:
    /// aligned to the huge page); allocation past EOF → EINVAL. Punch past EOF succeeds and does nothing.
    /// </summary>
    public override void Fallocate(int mode, long offset, long length)
    {
        const string op = "fallocate";
        if (offset < 0 || length <= 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"Offset {offset} or length {length} out of range.");
        }
        if ((mode & ~FallocSupportedMask) != 0)
        {
            throw new GmemException(op, Errno.EOPNOTSUPP);
        }
        switch (mode & FallocModeMask)
        {
            case 0:
            case FallocateFlags.UnshareRange:
            case FallocateFlags.ZeroRange:
                break;
            case FallocateFlags.PunchHole:
                if ((mode & FallocateFlags.KeepSize) == 0)
                {
                    throw new GmemException(op, Errno.EOPNOTSUPP, "PUNCH_HOLE needs KEEP_SIZE.");
                }
                break;
            case FallocateFlags.CollapseRange:
            case FallocateFlags.InsertRange:
                break;
            default:
                throw new GmemException(op, Errno.EOPNOTSUPP);
        }
        if (offset > long.MaxValue - length)
        {
            throw new GmemException(op, Errno.EFBIG, $"Offset {offset} + length {length} exceeds the maximum file size.");
        }
        if ((mode & FallocateFlags.KeepSize) == 0 || (mode & ~(FallocateFlags.KeepSize | FallocateFlags.PunchHole)) != 0)
        {
            throw new GmemException(op, Errno.EOPNOTSUPP, $"Mode 0x{mode:x} is not KEEP_SIZE or KEEP_SIZE|PUNCH_HOLE.");
        }
        long alignment = (long)Page.Size << Inode.FolioOrder;
        if (offset % alignment != 0 || length % alignment != 0)
        {
            throw new GmemException(op, Errno.EINVAL, $"Offset {offset} or length {length} is not a multiple of {alignment}.");
        }
        PageIndex first = PageIndex.FromOffset(offset);
        PageIndex end = PageIndex.FromOffset(offset + length);
        if ((mode & FallocateFlags.PunchHole) != 0)
        {
            Inode.PunchHole(first, end);
            return;
        }
        if (offset + length > Size)
        {
            throw new GmemException(op, Errno.EINVAL, $"[{offset}, +{length}) extends past the end of the file ({Size} bytes).");
        }
        try
        {
            Inode.Allocate(first, end);
        }
        catch (GmemException e) when (e.Errno == Errno.ENOMEM && e.Operation != op)
        {
            // Pages allocated before the failure stay allocated, as in the kernel.
            throw new GmemException(op, Errno.ENOMEM, e.Message, innerException: e);
        }
    }

    /// <summary>guest_memfd's mmap (spec §2.5): ENODEV without MMAP, EINVAL unless MAP_SHARED.</summary>
    public override void CheckMmap(MapFlags flags, MapProtection protection)
    {
        if ((Flags & GuestMemfdFlags.Mmap) == 0)
        {
            throw new GmemException("mmap", Errno.ENODEV, "The guest memory file was created without MMAP.");
        }
        if ((flags & MapFlags.Shared) == 0)
        {
            throw new GmemException("mmap", Errno.EINVAL, "A guest memory file can only be mapped MAP_SHARED.");
        }
    }

    /// <inheritdoc/>
    public override void FaultShared(Vma vma, PageIndex index, bool write, Hva address) => Inode.FaultUser(vma, index, address);

    /// <inheritdoc/>
    public override void AddMapping(Vma vma) => Inode.AddMapping(vma);

    /// <inheritdoc/>
    public override void RemoveMapping(Vma vma) => Inode.RemoveMapping(vma);

    /// <summary>
    /// Release (spec §2.10), once no descriptor and no mapping is left: under the VM's slots lock and the
    /// invalidation lock, zap every guest mapping from this file, kill the bindings (slots stay, dead),
    /// leave the inode, free the memory with the last file, and drop the VM reference.
    /// </summary>
    protected override void Release()
    {
        lock (Vm.SlotsLock)
        {
            Inode.InvalidateLock.EnterWriteLock();
            try
            {
                Inode.InvalidateLocked(new PageIndex(0), new PageIndex(Inode.Pages), Inode.Filter, mutate: null);
                foreach (GmemBinding binding in _bindings.Values)
                {
                    binding.Kill();
                }
                _bindings.Clear();
                Inode.FilesLocked.Remove(this);
                if (Inode.FilesLocked.Count == 0)
                {
                    Inode.FreeAllLocked();
                }
            }
            finally
            {
                Inode.InvalidateLock.ExitWriteLock();
            }
        }
        Vm.Put();
    }
}
