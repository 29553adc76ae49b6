// MemslotTable — KVM_SET_USER_MEMORY_REGION(2) for one VM: the ordered check table of spec §2.7,
// create / delete / move / flags-only change (§2.8), gmem bindings and dead bindings (§2.10).
//
// Data model: an immutable array of Memslot sorted by (address space, base gfn), replaced as a whole
// on every change (the kernel's two memslot arrays + SRCU, reduced to copy-on-write). Lookups by gfn
// are a binary search over the current array, lock-free.
//
// Locking: every change runs under the VM's slots lock (the kernel's slots_lock); lock order is
// slots lock → inode invalidation lock (Bind/Unbind) → mmu lock. Removing a slot's range from the
// guest (delete, move) is an invalidation (MmuInvalidation Begin/AddRange … End around
// publish + zap), so a fault that looked at the old array retries (spec §3 property 5: lookups
// never use a slot after it is gone). A new slot is bound before it is published, and new guest ranges
// (create, move) are published only while no host (mmu notifier) invalidation is in flight.
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>The memslots of one VM (see file header).</summary>
internal sealed class MemslotTable
{
    /// <summary>KVM_USER_MEM_SLOTS on x86 (<c>KVM_CAP_NR_MEMSLOTS</c>).</summary>
    public const int UserSlots = 32764;

    /// <summary>KVM_MEM_SLOTS_NUM: user slots plus the internal ones.</summary>
    public const int AllSlots = short.MaxValue;

    /// <summary>KVM_MEM_MAX_NR_PAGES.</summary>
    public const ulong MaxPages = (1UL << 31) - 1;

    /// <summary>The end of the x86-64 user address range (TASK_SIZE_MAX, 4-level paging).</summary>
    public const ulong UserAddressLimit = 0x7FFF_FFFF_F000;

    private const string Operation2 = "KVM_SET_USER_MEMORY_REGION2";
    private const string Operation1 = "KVM_SET_USER_MEMORY_REGION";
    private const MemslotFlags V1Flags = MemslotFlags.LogDirtyPages | MemslotFlags.ReadOnly;

    private readonly Vm _vm;
    private readonly object _slotsLock;
    private readonly bool _hasPrivateMemory;
    private readonly HostProcess _host;
    private readonly MmuInvalidation _mmu;
    private readonly Stage2 _stage2;
    private readonly Action<Action> _publishOutsideHvaInvalidation;
    private Memslot[] _slots = [];

    /// <summary>
    /// Creates the table of <paramref name="vm"/>, whose descriptors live in <paramref name="host"/>.
    /// <paramref name="publishOutsideHvaInvalidation"/> runs a publication of new guest ranges once no
    /// host (mmu notifier) invalidation is in flight (spec §3 property 5).
    /// </summary>
    public MemslotTable(Vm vm, bool hasPrivateMemory, HostProcess host, MmuInvalidation mmu, Stage2 stage2, Action<Action> publishOutsideHvaInvalidation)
    {
        _publishOutsideHvaInvalidation = publishOutsideHvaInvalidation;
        _vm = vm;
        _slotsLock = vm.SlotsLock;
        _hasPrivateMemory = hasPrivateMemory;
        _host = host;
        _mmu = mmu;
        _stage2 = stage2;
    }

    /// <summary>Address spaces of this VM (x86: SMM adds one, except on VMs with private memory).</summary>
    public int AddressSpaces => _hasPrivateMemory ? 1 : 2;

    /// <summary>The current slots, sorted (lock-free snapshot).</summary>
    public IReadOnlyList<Memslot> Slots => Volatile.Read(ref _slots);

    /// <summary>The slot of address space 0 that contains <paramref name="gfn"/>, or null (lock-free).</summary>
    public Memslot? Find(Gfn gfn)
    {
        Memslot[] slots = Volatile.Read(ref _slots);
        int lo = 0;
        int hi = slots.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            Memslot slot = slots[mid];
            int order = slot.AddressSpace != 0 ? 1 : slot.End <= gfn ? -1 : slot.BaseGfn > gfn ? 1 : 0;
            if (order == 0)
            {
                return slot;
            }
            if (order < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return null;
    }

    /// <summary>The slots of address space 0 intersecting [start, end).</summary>
    public IEnumerable<Memslot> Intersecting(Gfn start, Gfn end)
    {
        foreach (Memslot slot in Volatile.Read(ref _slots))
        {
            if (slot.AddressSpace == 0 && slot.BaseGfn < end && start < slot.End)
            {
                yield return slot;
            }
        }
    }

    /// <summary>
    /// KVM_SET_USER_MEMORY_REGION2 (or the v1 ioctl when <paramref name="legacy"/>): checks in the
    /// kernel's order, then create, delete, move or change flags.
    /// </summary>
    /// <exception cref="GmemException">The errno of the first failing check (spec §2.7).</exception>
    public void Set(UserMemoryRegion region, bool legacy)
    {
        string op = legacy ? Operation1 : Operation2;
        if (legacy && (region.Flags & ~V1Flags) != 0)
        {
            throw Fail(op, Errno.EINVAL, "check 0: the v1 ioctl takes only LOG_DIRTY_PAGES and READONLY.");
        }
        ushort id = (ushort)region.Slot;
        ushort addressSpace = (ushort)(region.Slot >> 16);
        if (id >= UserSlots)
        {
            throw Fail(op, Errno.EINVAL, $"check 1: slot id {id} is not below {UserSlots}.");
        }
        CheckFlags(op, region.Flags);
        CheckGeometry(op, region, addressSpace, id);
        lock (_slotsLock)
        {
            Memslot? old = Array.Find(Volatile.Read(ref _slots), s => s.AddressSpace == addressSpace && s.Id == id);
            if (region.MemorySize == 0)
            {
                if (old is null)
                {
                    throw Fail(op, Errno.EINVAL, $"slot {region.Slot} does not exist (delete).");
                }
                Remove(old, replacement: null);
                if (old.Binding is { } binding)
                {
                    GuestMemfdFile.Unbind(binding);
                }
                return;
            }
            Gfn baseGfn = new Gpa(region.GuestPhysAddr).Gfn;
            ulong pages = region.MemorySize >> Page.Shift;
            if (old is null)
            {
                CheckOverlap(op, addressSpace, id, baseGfn, pages);
                Create(op, region, addressSpace, id, baseGfn, pages);
                return;
            }
            Modify(op, region, old, baseGfn, pages);
        }
    }

    private static void CheckFlags(string op, MemslotFlags flags)
    {
        // Check 2 (check_memory_region_flags): GUEST_MEMFD is valid on every VM type since 6.18.
        MemslotFlags valid = MemslotFlags.LogDirtyPages | MemslotFlags.GuestMemfd;
        if ((flags & MemslotFlags.GuestMemfd) != 0)
        {
            valid &= ~MemslotFlags.LogDirtyPages;
        }
        else
        {
            valid |= MemslotFlags.ReadOnly;
        }
        if ((flags & ~valid) != 0)
        {
            throw Fail(op, Errno.EINVAL, $"check 2: flags 0x{(uint)flags:x} are not valid here.");
        }
    }

    private void CheckGeometry(string op, UserMemoryRegion region, ushort addressSpace, ushort id)
    {
        ulong size = region.MemorySize;
        if (!Page.IsAligned(size) || !Page.IsAligned(region.GuestPhysAddr))
        {
            throw Fail(op, Errno.EINVAL, "check 3: size and guest_phys_addr must be page aligned.");
        }
        ulong uaddr = region.UserspaceAddr;
        if (!Page.IsAligned(uaddr) || uaddr + size < uaddr || uaddr + size > UserAddressLimit)
        {
            throw Fail(op, Errno.EINVAL, $"check 3: userspace_addr 0x{uaddr:x} is not a page-aligned user range of 0x{size:x} bytes.");
        }
        ulong offset = (ulong)region.GuestMemfdOffset;
        if ((region.Flags & MemslotFlags.GuestMemfd) != 0 && (!Page.IsAligned(offset) || offset + size < offset))
        {
            throw Fail(op, Errno.EINVAL, $"check 4: guest_memfd_offset 0x{offset:x} is unaligned or wraps.");
        }
        if (addressSpace >= AddressSpaces || id >= AllSlots)
        {
            throw Fail(op, Errno.EINVAL, $"check 5: address space {addressSpace} does not exist.");
        }
        if (region.GuestPhysAddr + size < region.GuestPhysAddr)
        {
            throw Fail(op, Errno.EINVAL, "check 6: guest_phys_addr + memory_size wraps.");
        }
        if ((size >> Page.Shift) > MaxPages)
        {
            throw Fail(op, Errno.EINVAL, "check 7: more than 2^31 - 1 pages.");
        }
    }

    private void CheckOverlap(string op, ushort addressSpace, ushort id, Gfn baseGfn, ulong pages)
    {
        Gfn end = baseGfn + pages;
        foreach (Memslot slot in Volatile.Read(ref _slots))
        {
            if (slot.AddressSpace == addressSpace && slot.Id != id && slot.BaseGfn < end && baseGfn < slot.End)
            {
                throw Fail(op, Errno.EEXIST, $"check 10: slot {id} [{baseGfn.Gpa}, +0x{pages << Page.Shift:x}) overlaps {slot}.");
            }
        }
    }

    private void Create(string op, UserMemoryRegion region, ushort addressSpace, ushort id, Gfn baseGfn, ulong pages)
    {
        var slot = new Memslot(addressSpace, id, baseGfn, pages, region.Flags, new Hva(region.UserspaceAddr));
        if ((region.Flags & MemslotFlags.GuestMemfd) != 0)
        {
            // Checks 11–12 here (fget, file type); 13–15 in the file's Bind, under its invalidation lock.
            HostFile file = GetFile(op, region.GuestMemfd);
            try
            {
                if (file is not GuestMemfdFile gmem)
                {
                    throw Fail(op, Errno.EINVAL, $"check 12: fd {region.GuestMemfd} is not a guest_memfd.");
                }
                GmemBinding binding = gmem.Bind(_vm, baseGfn, (ulong)region.GuestMemfdOffset, pages << Page.Shift);
                slot.Attach(binding, gmem.Flags, gmem.Inode.HasPerFileAttributes);
            }
            finally
            {
                // The binding does not keep the file open: the file pins the VM, not the other way round.
                file.Put();
            }
        }
        // A new slot removes nothing from the guest: no invalidation (the kernel's KVM_MR_CREATE). It is
        // published only while no host invalidation is in flight: such an invalidation computed its gfn
        // range from the slots it saw, and a fault on the new slot must not slip past it.
        Memslot[] next = Insert(Volatile.Read(ref _slots), slot);
        _publishOutsideHvaInvalidation(() => Publish(next));
    }

    private HostFile GetFile(string op, int fd)
    {
        try
        {
            return _host.GetFile(fd, op);
        }
        catch (GmemException e) when (e.Errno == Errno.EBADF)
        {
            throw Fail(op, Errno.EBADF, $"check 11: fd {fd} is not open.");
        }
    }

    private void Modify(string op, UserMemoryRegion region, Memslot old, Gfn baseGfn, ulong pages)
    {
        // Check 9: gmem slots are immutable, and no modify may add GUEST_MEMFD.
        if ((region.Flags & MemslotFlags.GuestMemfd) != 0 || old.HasGmemFlag)
        {
            throw Fail(op, Errno.EINVAL, $"check 9: {old} cannot be modified (guest_memfd slots can only be deleted).");
        }
        if (region.UserspaceAddr != old.UserspaceAddress.Value || pages != old.Pages
            || ((region.Flags ^ old.Flags) & MemslotFlags.ReadOnly) != 0)
        {
            throw Fail(op, Errno.EINVAL, $"{old}: only the guest address and LOG_DIRTY_PAGES may change.");
        }
        if (baseGfn == old.BaseGfn && region.Flags == old.Flags)
        {
            return;
        }
        if (baseGfn != old.BaseGfn)
        {
            CheckOverlap(op, old.AddressSpace, old.Id, baseGfn, pages);
        }
        var replacement = new Memslot(old.AddressSpace, old.Id, baseGfn, pages, region.Flags, old.UserspaceAddress);
        if (baseGfn == old.BaseGfn)
        {
            // Flags only (dirty logging on/off): the mappings stay valid.
            Publish(Insert(Without(Volatile.Read(ref _slots), old), replacement));
            return;
        }
        Remove(old, replacement);
    }

    // Removes old (and publishes replacement, for a move) as one invalidation of old's range.
    private void Remove(Memslot old, Memslot? replacement)
    {
        Memslot[] next = Without(Volatile.Read(ref _slots), old);
        if (replacement is null)
        {
            Invalidate(old.BaseGfn, old.End, next);
            return;
        }
        next = Insert(next, replacement);
        _publishOutsideHvaInvalidation(() => Invalidate(old.BaseGfn, old.End, next));
    }

    private void Invalidate(Gfn start, Gfn end, Memslot[]? publish)
    {
        _mmu.MmuLock.EnterWriteLock();
        try
        {
            _mmu.BeginLocked();
            _mmu.AddRangeLocked(start, end);
            if (publish is not null)
            {
                Publish(publish);
            }
            _stage2.ZapLocked(start, end);
            _stage2.FlushTlbLocked();
            _mmu.EndLocked();
        }
        finally
        {
            _mmu.MmuLock.ExitWriteLock();
        }
    }

    private void Publish(Memslot[] slots) => Volatile.Write(ref _slots, slots);

    private static Memslot[] Without(Memslot[] slots, Memslot slot) => Array.FindAll(slots, s => !ReferenceEquals(s, slot));

    private static Memslot[] Insert(Memslot[] slots, Memslot slot)
    {
        var list = new List<Memslot>(slots) { slot };
        list.Sort((a, b) => a.AddressSpace != b.AddressSpace ? a.AddressSpace.CompareTo(b.AddressSpace) : a.BaseGfn.CompareTo(b.BaseGfn));
        return [.. list];
    }

    private static GmemException Fail(string op, Errno errno, string message) => new(op, errno, message);
}
