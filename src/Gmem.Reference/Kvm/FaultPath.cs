// FaultPath — a stage-2 miss of one VM (spec §2.9 and GUEST_FAULT of §3).
//
// Steps: snapshot the invalidation sequence; decide the access kind (Default: shared; SwProtected:
// the attribute; GpaSharedBit: the GPA bit); a kind that differs from the attribute → memory-fault
// exit; an invalidation in flight over the gfn → retry; no slot → MMIO (shared) or memory fault
// (private); private or gmem-only slot → GetPfn on the bound file (no file → EFAULT, errors → memory
// fault with their errno); shared → the host page behind userspace_addr (no VMA → memory fault);
// then, under the mmu lock, MustRetry → retry, else install a leaf whose level is the smallest of
// the folio order, what the slot's alignment allows and attribute uniformity over the block.
//
// Locking: runs with no lock held while it looks pages up (GetPfn may allocate and take the inode
// lock); takes the mmu lock for write only to install. Lock-free reads of the memslot array and the
// attribute store are validated by MustRetryLocked.
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>The fault handler of a VM's secondary MMU (see file header).</summary>
internal sealed class FaultPath
{
    private static readonly MappingLevel[] s_levelsDescending = [MappingLevel.Block1G, MappingLevel.Block2M, MappingLevel.Page4K];

    private readonly VmType _type;
    private readonly MemslotTable _slots;
    private readonly VmMemoryAttributes _attributes;
    private readonly MmuInvalidation _mmu;
    private readonly Stage2 _stage2;
    private readonly HostAddressSpace _host;
    private long _faults;
    private long _retries;

    /// <summary>Creates the fault path of a VM of <paramref name="type"/>.</summary>
    public FaultPath(VmType type, MemslotTable slots, VmMemoryAttributes attributes, MmuInvalidation mmu, Stage2 stage2, HostAddressSpace host)
    {
        _type = type;
        _slots = slots;
        _attributes = attributes;
        _mmu = mmu;
        _stage2 = stage2;
        _host = host;
    }

    /// <summary>Faults handled.</summary>
    public long Faults => Volatile.Read(ref _faults);

    /// <summary>Faults that ended in a retry.</summary>
    public long Retries => Volatile.Read(ref _retries);

    /// <summary>The largest leaf level a fault may install (tests lower it).</summary>
    public MappingLevel MaxLevel { get; set; } = MappingLevel.Block1G;

    /// <summary>Strips the VM type's shared bit: the gfn an access to <paramref name="address"/> reaches.</summary>
    public Gfn GfnOf(Gpa address) =>
        _type == ReferenceVmTypes.GpaSharedBit ? new Gpa(address.Value & ~ReferenceVmTypes.SharedGpaMask).Gfn : address.Gfn;

    /// <summary>
    /// The access kind the VM type fixes for <paramref name="address"/>: false for Default, the GPA
    /// bit for GpaSharedBit, null for SwProtected (the attribute at fault time decides).
    /// </summary>
    public bool? FixedAccessKind(Gpa address) => _type switch
    {
        VmType.SwProtected => null,
        ReferenceVmTypes.GpaSharedBit => (address.Value & ReferenceVmTypes.SharedGpaMask) == 0,
        _ => false,
    };

    /// <summary>Handles a miss of an access to <paramref name="address"/> (<paramref name="write"/> = store).</summary>
    public FaultOutcome Handle(Gpa address, bool write) => Handle(GfnOf(address), FixedAccessKind(address), write);

    /// <summary>Handles a miss on <paramref name="gfn"/>; <paramref name="privateAccess"/> null = from the attribute.</summary>
    public FaultOutcome Handle(Gfn gfn, bool? privateAccess, bool write)
    {
        Interlocked.Increment(ref _faults);
        FaultSnapshot snapshot = _mmu.Snapshot();
        bool attributePrivate = _attributes.IsPrivate(gfn);
        bool isPrivate = privateAccess ?? attributePrivate;
        if (isPrivate != attributePrivate)
        {
            return FaultOutcome.MemoryFault(gfn, isPrivate, Errno.EFAULT);
        }
        if (_mmu.IsInProgressFor(gfn))
        {
            return CountRetry();
        }
        Memslot? slot = _slots.Find(gfn);
        if (slot is null)
        {
            return isPrivate ? FaultOutcome.MemoryFault(gfn, true, Errno.EFAULT) : FaultOutcome.Mmio;
        }
        if (isPrivate || slot.IsGmemOnly)
        {
            return FaultGmem(slot, gfn, isPrivate, snapshot);
        }
        if (write && slot.IsReadOnly)
        {
            return FaultOutcome.Mmio;
        }
        return FaultHost(slot, gfn, write, snapshot);
    }

    private FaultOutcome FaultGmem(Memslot slot, Gfn gfn, bool isPrivate, FaultSnapshot snapshot)
    {
        GmemBinding? binding = slot.Binding;
        if (binding is null)
        {
            // A private access to a plain slot: EFAULT (spec §2.9 3a).
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, isPrivate, Errno.EFAULT));
        }
        if (!binding.TryGetPfn(gfn, out Pfn frame, out int order, out Errno error))
        {
            // Dead binding (EFAULT), poison, ENOMEM…; a lookup that failed because the slot went away
            // retries and sees the new state.
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, isPrivate, error));
        }
        // Folios of a guest memory file are aligned in the file: the head is the index rounded down.
        ulong index = slot.IndexOf(gfn).Value;
        var folioHead = new Pfn(frame.Value - (index & ((1UL << order) - 1)));
        MappingLevel level = ChooseLevel(slot, gfn, frame, folioHead, order, index);
        return Install(gfn, frame, level, isPrivate ? MappingKind.Private : MappingKind.Shared, writable: true, snapshot);
    }

    private FaultOutcome FaultHost(Memslot slot, Gfn gfn, bool write, FaultSnapshot snapshot)
    {
        Hva hva = slot.HvaOf(gfn);
        if (!_host.TryTranslate(hva, write, out Pfn frame, out Errno errno))
        {
            // No VMA (or no access) behind the slot's address: a shared memory-fault exit.
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, false, errno));
        }
        // The host maps base pages only, so a shared leaf is 4 KiB.
        MappingLevel level = ChooseLevel(slot, gfn, frame, frame, 0, hva.Value >> Page.Shift);
        return Install(gfn, frame, level, MappingKind.Shared, writable: !slot.IsReadOnly, snapshot);
    }

    // min(folio order, slot alignment, attribute uniformity) — the kernel's max-level computation
    // plus its "large page disallowed" rule for mixed attributes.
    private MappingLevel ChooseLevel(Memslot slot, Gfn gfn, Pfn frame, Pfn folioHead, int folioOrder, ulong backingPage)
    {
        foreach (MappingLevel level in s_levelsDescending)
        {
            if (level == MappingLevel.Page4K)
            {
                break;
            }
            if (level > MaxLevel || folioOrder < 9 * (int)level)
            {
                continue;
            }
            ulong pages = Stage2Leaf.PagesAt(level);
            ulong offset = gfn.Value & (pages - 1);
            var blockGfn = new Gfn(gfn.Value - offset);
            if (blockGfn < slot.BaseGfn || blockGfn + pages > slot.End)
            {
                continue;
            }
            // The backing (file index or host address) must be congruent with the gfn in the block,
            // and the block's frames must all be in the folio.
            if ((backingPage & (pages - 1)) != offset)
            {
                continue;
            }
            ulong blockPfn = frame.Value - offset;
            if (blockPfn < folioHead.Value || blockPfn + pages > folioHead.Value + (1UL << folioOrder))
            {
                continue;
            }
            if (!_attributes.Store.IsUniform(blockGfn, blockGfn + pages))
            {
                continue;
            }
            return level;
        }
        return MappingLevel.Page4K;
    }

    private FaultOutcome Install(Gfn gfn, Pfn frame, MappingLevel level, MappingKind kind, bool writable, FaultSnapshot snapshot)
    {
        ulong pages = Stage2Leaf.PagesAt(level);
        ulong offset = gfn.Value & (pages - 1);
        var leaf = new Stage2Leaf(new Gfn(gfn.Value - offset), new Pfn(frame.Value - offset), level, kind, writable);
        _mmu.MmuLock.EnterWriteLock();
        try
        {
            if (_mmu.MustRetryLocked(gfn, snapshot))
            {
                return CountRetry();
            }
            // Invariant 6, checked by an independent witness (InvariantChecker reports violations).
            _mmu.Log.CheckInstall(gfn.Value, snapshot.LogPosition);
            _stage2.MapLocked(leaf);
            _stage2.FlushTlbLocked();
        }
        finally
        {
            _mmu.MmuLock.ExitWriteLock();
        }
        return new FaultOutcome(FaultStatus.Mapped, null, level);
    }

    // An error outcome is only delivered when no invalidation raced with it (else it may be stale).
    private FaultOutcome RetryOr(Gfn gfn, FaultSnapshot snapshot, FaultOutcome outcome)
    {
        _mmu.MmuLock.EnterWriteLock();
        try
        {
            if (_mmu.MustRetryLocked(gfn, snapshot))
            {
                return CountRetry();
            }
        }
        finally
        {
            _mmu.MmuLock.ExitWriteLock();
        }
        return outcome;
    }

    private FaultOutcome CountRetry()
    {
        Interlocked.Increment(ref _retries);
        return FaultOutcome.Retry;
    }
}
