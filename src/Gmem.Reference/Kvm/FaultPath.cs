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
    private readonly IHostPageResolver _host;
    private long _faults;
    private long _retries;

    /// <summary>Creates the fault path of a VM of <paramref name="type"/>.</summary>
    public FaultPath(VmType type, MemslotTable slots, VmMemoryAttributes attributes, MmuInvalidation mmu, Stage2 stage2, IHostPageResolver host)
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
        IGmemBinding? file = slot.Gmem;
        if (file is null)
        {
            // A plain slot (private access without gmem) or a dead binding: EFAULT.
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, isPrivate, Errno.EFAULT));
        }
        GmemPfnResult page = file.GetPfn(slot, slot.IndexOf(gfn));
        if (!page.IsSuccess)
        {
            // A lookup that failed because the slot went away retries and sees the new state.
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, isPrivate, page.Errno));
        }
        MappingLevel level = ChooseLevel(slot, gfn, page.Pfn, page.FolioHead, page.FolioOrder, slot.IndexOf(gfn).Value);
        return Install(gfn, page.Pfn, level, isPrivate ? MappingKind.Private : MappingKind.Shared, writable: true, snapshot);
    }

    private FaultOutcome FaultHost(Memslot slot, Gfn gfn, bool write, FaultSnapshot snapshot)
    {
        Hva hva = slot.HvaOf(gfn);
        Errno errno = _host.Resolve(hva, write, out Pfn frame, out Pfn folioHead, out int folioOrder);
        if (errno != 0)
        {
            return RetryOr(gfn, snapshot, FaultOutcome.MemoryFault(gfn, false, errno));
        }
        MappingLevel level = ChooseLevel(slot, gfn, frame, folioHead, folioOrder, hva.Value >> Page.Shift);
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
