// VmMemoryAttributes — KVM_SET_MEMORY_ATTRIBUTES for one VM (model A, spec §2.13).
//
// Data model: the attributes live in an IMemoryAttributeStore (RangeAttributeStore: merged runs, so
// a change costs O(runs + intersecting slots + mapped leaves), never O(pages)).
//
// A change, under the VM's slots lock: ordered checks → no-op when every frame already has the value
// → reserve (store.Prepare; ENOMEM leaves everything unchanged) → pre pass: for each intersecting
// memslot, under the mmu lock, Begin once, add the slot's sub-range to the invalidation range and zap
// the mappings of the kind being revoked (to PRIVATE: shared leaves; to SHARED: private leaves); the
// range is widened to whole 2 MiB / 1 GiB blocks at the edges when such a block will be uniform
// after the change, so it can be mapped large again (the kernel's huge-page eligibility recompute) →
// commit → post pass: End. No intersecting slot: no invalidation, the value is only recorded.
//
// Locking: slots lock → mmu lock. Faults read the store lock-free and are made to retry by the
// invalidation in progress (spec §3).
namespace Gmem.Reference.Kvm;

/// <summary>The per-VM attribute ioctl (see file header).</summary>
internal sealed class VmMemoryAttributes
{
    private const string Operation = "KVM_SET_MEMORY_ATTRIBUTES";
    private static readonly MappingLevel[] s_largeLevels = [MappingLevel.Block2M, MappingLevel.Block1G];

    private readonly object _slotsLock;
    private readonly MemslotTable _slots;
    private readonly MmuInvalidation _mmu;
    private readonly Stage2 _stage2;

    /// <summary>Creates the attribute state of a VM supporting <paramref name="supported"/>.</summary>
    public VmMemoryAttributes(IMemoryAttributeStore store, MemoryAttributes supported, bool ioctlAvailable, object slotsLock, MemslotTable slots, MmuInvalidation mmu, Stage2 stage2)
    {
        Store = store;
        IoctlAvailable = ioctlAvailable;
        Supported = supported;
        _slotsLock = slotsLock;
        _slots = slots;
        _mmu = mmu;
        _stage2 = stage2;
    }

    /// <summary>Where the attributes are kept.</summary>
    public IMemoryAttributeStore Store { get; }

    /// <summary>Attributes this VM accepts (KVM_CAP_MEMORY_ATTRIBUTES).</summary>
    public MemoryAttributes Supported { get; }

    /// <summary>Whether the VM ioctl exists (model A); with per-file attributes it answers ENOTTY.</summary>
    public bool IoctlAvailable { get; }

    /// <summary>Number of changes that were no-ops (every frame already had the value).</summary>
    public long NoOps { get; private set; }

    /// <summary>Whether <paramref name="gfn"/> is private (lock-free).</summary>
    public bool IsPrivate(Gfn gfn) => (Store.Get(gfn) & MemoryAttributes.Private) != 0;

    /// <summary>KVM_SET_MEMORY_ATTRIBUTES.</summary>
    /// <exception cref="GmemException">ENOTTY in model B; EINVAL for the checks of spec §2.13, in order; ENOMEM.</exception>
    public void Set(ulong address, ulong size, MemoryAttributes attributes, ulong flags)
    {
        if (!IoctlAvailable)
        {
            throw new GmemException(Operation, Errno.ENOTTY, "Attributes are per guest memory file (AttributeModel.PerFile).");
        }
        if (flags != 0)
        {
            throw new GmemException(Operation, Errno.EINVAL, $"flags 0x{flags:x} must be 0.");
        }
        if ((attributes & ~Supported) != 0)
        {
            throw new GmemException(Operation, Errno.EINVAL, $"attributes 0x{(ulong)attributes:x} are not supported by this VM (0x{(ulong)Supported:x}).");
        }
        if (size == 0 || address + size < address)
        {
            throw new GmemException(Operation, Errno.EINVAL, "size is 0 or the range wraps.");
        }
        if (!Page.IsAligned(address) || !Page.IsAligned(size))
        {
            throw new GmemException(Operation, Errno.EINVAL, "address and size must be page aligned.");
        }
        Gfn start = new Gpa(address).Gfn;
        Gfn end = start + (size >> Page.Shift);
        lock (_slotsLock)
        {
            if (Store.IsUniform(start, end, attributes))
            {
                NoOps++;
                return;
            }
            IAttributeUpdate update = Store.Prepare(start, end, attributes);
            bool begun = PrePass(start, end, attributes);
            Store.Commit(update);
            if (begun)
            {
                _mmu.MmuLock.EnterWriteLock();
                try
                {
                    _mmu.EndLocked();
                }
                finally
                {
                    _mmu.MmuLock.ExitWriteLock();
                }
            }
        }
    }

    // Begins the invalidation and zaps; returns whether any slot intersected (End is then owed).
    private bool PrePass(Gfn start, Gfn end, MemoryAttributes attributes)
    {
        MappingKind revoked = (attributes & MemoryAttributes.Private) != 0 ? MappingKind.Shared : MappingKind.Private;
        bool begun = false;
        try
        {
            foreach (Memslot slot in _slots.Intersecting(start, end))
            {
                if (!begun)
                {
                    _mmu.MmuLock.EnterWriteLock();
                    _mmu.BeginLocked();
                    begun = true;
                }
                Gfn lo = start > slot.BaseGfn ? start : slot.BaseGfn;
                Gfn hi = end < slot.End ? end : slot.End;
                Gfn wideLo = Widen(slot, lo, hi, attributes, low: true);
                Gfn wideHi = Widen(slot, lo, hi, attributes, low: false);
                _mmu.AddRangeLocked(wideLo, wideHi);
                _stage2.ZapLocked(lo, hi, revoked);
                // The widened edges hold valid leaves of the other kind; zap them so the block
                // can be mapped large again.
                _stage2.ZapLocked(wideLo, lo);
                _stage2.ZapLocked(hi, wideHi);
            }
            if (begun)
            {
                _stage2.FlushTlbLocked();
            }
        }
        finally
        {
            if (begun)
            {
                _mmu.MmuLock.ExitWriteLock();
            }
        }
        return begun;
    }

    // The edge of [lo, hi) moved out to the enclosing large block, when that block lies in the slot
    // and will have uniform attributes once the change is stored.
    private Gfn Widen(Memslot slot, Gfn lo, Gfn hi, MemoryAttributes attributes, bool low)
    {
        Gfn edge = low ? lo : hi;
        foreach (MappingLevel level in s_largeLevels)
        {
            ulong pages = Stage2Leaf.PagesAt(level);
            Gfn blockStart = new(lo.Value & ~(pages - 1));
            Gfn blockEnd = new((hi.Value + pages - 1) & ~(pages - 1));
            if (low)
            {
                if (blockStart == lo || blockStart < slot.BaseGfn)
                {
                    continue;
                }
                if (Store.IsUniform(blockStart, lo, attributes))
                {
                    edge = blockStart;
                }
            }
            else
            {
                if (blockEnd == hi || blockEnd > slot.End || blockEnd < hi)
                {
                    continue;
                }
                if (Store.IsUniform(hi, blockEnd, attributes))
                {
                    edge = blockEnd;
                }
            }
        }
        return edge;
    }
}
