// VmCore — the hypervisor half of one Reference VM: memslots, attributes, the secondary MMU, the
// invalidation protocol, faults, hypercalls, vCPUs. The public Vm delegates its memslot, attribute,
// capability and vCPU operations here, and the guest memory file and the host process call the
// invalidation entry points below.
//
// Data model: one slots lock (the kernel's slots_lock: memslot and attribute changes, file release),
// one mmu lock (ReaderWriterLockSlim: write = install/zap/invalidate, read = guest accesses), and the
// objects they guard: MemslotTable, VmMemoryAttributes (an IMemoryAttributeStore), Stage2,
// MmuInvalidation; FaultPath/GuestBus/PreFault use them.
//
// Invalidation entry points (spec §3), each a Begin … End pair:
//   gmem side     IGmemInvalidationTarget: InvalidateBegin, InvalidateRangeAdd per binding (zap with the
//                 file's filter), the file mutates (truncate, poison, release), InvalidateEnd; the file
//                 holds its inode invalidation lock across them;
//   host side     IMmuNotifier: InvalidateRangeStart zaps shared leaves derived from the host range,
//                 InvalidateRangeEnd ends it (registered with the host address space by the Vm);
//   slot delete / move and attribute changes invalidate internally.
//
// Lock order: slots lock → inode invalidation lock → mmu lock.
using System.Collections.Concurrent;
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>The hypervisor state of one VM (see file header).</summary>
internal sealed class VmCore : IGmemInvalidationTarget, IMmuNotifier
{
    /// <summary>KVM_MAX_VCPU_IDS on x86 (default configuration).</summary>
    public const int MaxVcpuIds = 4096;

    private readonly ConcurrentDictionary<int, Vcpu> _vcpus = new();
    private readonly IFrameMemory _memory;
    private readonly object _hvaGate = new();
    private int _hvaInvalidations;

    /// <summary>Creates the hypervisor state of <paramref name="vm"/>.</summary>
    public VmCore(Vm vm, VmType type, HostProcess host, IFrameMemory memory, AttributeModel attributeModel = AttributeModel.PerVm)
    {
        Type = type;
        SlotsLock = vm.SlotsLock;
        HasPrivateMemory = ReferenceVmTypes.HasPrivateMemory(type);
        _memory = memory;
        MmuLock = new ReaderWriterLockSlim(LockRecursionPolicy.NoRecursion);
        Mmu = new MmuInvalidation(MmuLock);
        Stage2 = new Stage2(MmuLock);
        Slots = new MemslotTable(vm, HasPrivateMemory, host, Mmu, Stage2, PublishOutsideHvaInvalidation);
        // Model A keeps the attributes per VM (the ioctl); model B reads them from the bound files.
        bool perFile = attributeModel == AttributeModel.PerFile;
        IMemoryAttributeStore store = perFile ? new PerFileAttributeStore(Slots) : new RangeAttributeStore();
        Attributes = new VmMemoryAttributes(store, HasPrivateMemory ? MemoryAttributes.Private : MemoryAttributes.None,
            ioctlAvailable: !perFile, SlotsLock, Slots, Mmu, Stage2);
        Faults = new FaultPath(type, Slots, Attributes, Mmu, Stage2, host.AddressSpace);
        Hypercalls = new Hypercalls();
        PreFault = new PreFault(Faults, HasPrivateMemory);
    }

    /// <summary>The VM type.</summary>
    public VmType Type { get; }

    /// <summary>Whether the VM has private memory (SwProtected, GpaSharedBit).</summary>
    public bool HasPrivateMemory { get; }

    /// <summary>The slots lock.</summary>
    public object SlotsLock { get; }

    /// <summary>The mmu lock.</summary>
    public ReaderWriterLockSlim MmuLock { get; }

    /// <summary>The invalidation protocol state.</summary>
    public MmuInvalidation Mmu { get; }

    /// <summary>The secondary page table.</summary>
    public Stage2 Stage2 { get; }

    /// <summary>The memslots.</summary>
    public MemslotTable Slots { get; }

    /// <summary>The memory attributes.</summary>
    public VmMemoryAttributes Attributes { get; }

    /// <summary>The fault handler.</summary>
    public FaultPath Faults { get; }

    /// <summary>Hypercall forwarding.</summary>
    public Hypercalls Hypercalls { get; }

    /// <summary>KVM_PRE_FAULT_MEMORY.</summary>
    public PreFault PreFault { get; }

    /// <summary>The vCPUs created so far.</summary>
    public ICollection<Vcpu> Vcpus => _vcpus.Values;

    /// <summary>The VM-scope value of the capabilities this layer owns; false for the others.</summary>
    public bool TryCheckExtension(Capability capability, out long value)
    {
        value = capability switch
        {
            Capability.NrMemslots => MemslotTable.UserSlots,
            Capability.UserMemory2 => 1,
            Capability.MemoryFaultInfo => 1,
            Capability.MemoryAttributes => Attributes.IoctlAvailable ? (long)Attributes.Supported : 0,
            Capability.VmTypes => (1L << (int)VmType.Default) | (1L << (int)VmType.SwProtected),
            Capability.PreFaultMemory => 1,
            Capability.ExitHypercall => (long)Hypercalls.SupportedMask,
            _ => -1,
        };
        return value >= 0;
    }

    /// <summary>KVM_SET_USER_MEMORY_REGION2 (<paramref name="legacy"/>: the v1 ioctl).</summary>
    public void SetUserMemoryRegion(UserMemoryRegion region, bool legacy) => Slots.Set(region, legacy);

    /// <summary>KVM_SET_MEMORY_ATTRIBUTES.</summary>
    public void SetMemoryAttributes(ulong address, ulong size, MemoryAttributes attributes, ulong flags) =>
        Attributes.Set(address, size, attributes, flags);

    /// <summary>KVM_ENABLE_CAP (VM scope).</summary>
    /// <exception cref="GmemException">EINVAL for a capability that cannot be enabled or a bad argument.</exception>
    public void EnableCapability(Capability capability, ulong arg0)
    {
        if (capability != Capability.ExitHypercall)
        {
            throw new GmemException("KVM_ENABLE_CAP", Errno.EINVAL, $"capability {capability} cannot be enabled.");
        }
        Hypercalls.Enable(arg0);
    }

    /// <summary>KVM_CREATE_VCPU.</summary>
    /// <exception cref="GmemException">EINVAL for an id out of range, EEXIST for a duplicate.</exception>
    public Vcpu CreateVcpu(int id)
    {
        if (id < 0 || id >= MaxVcpuIds)
        {
            throw new GmemException("KVM_CREATE_VCPU", Errno.EINVAL, $"vCPU id {id} is not below {MaxVcpuIds}.");
        }
        var vcpu = new Vcpu(id, new GuestBus(Faults, Mmu, Stage2, _memory, Hypercalls), PreFault);
        if (!_vcpus.TryAdd(id, vcpu))
        {
            throw new GmemException("KVM_CREATE_VCPU", Errno.EEXIST, $"vCPU {id} exists.");
        }
        return vcpu;
    }

    /// <inheritdoc/>
    public void InvalidateBegin()
    {
        MmuLock.EnterWriteLock();
        try
        {
            Mmu.BeginLocked();
        }
        finally
        {
            MmuLock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public void InvalidateRangeAdd(Gfn start, Gfn end, GmemInvalidationFilter filter)
    {
        if (start >= end)
        {
            return;
        }
        MappingKind? kind = filter switch
        {
            GmemInvalidationFilter.Private => MappingKind.Private,
            GmemInvalidationFilter.Shared => MappingKind.Shared,
            _ => null,
        };
        MmuLock.EnterWriteLock();
        try
        {
            Mmu.AddRangeLocked(start, end);
            Stage2.ZapLocked(start, end, kind);
            Stage2.FlushTlbLocked();
        }
        finally
        {
            MmuLock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public void InvalidateEnd() => EndLocked();

    /// <summary>
    /// The mmu notifier's invalidate_range_start for host addresses [start, end): zaps the shared
    /// mappings of every slot whose userspace range intersects (spec §3 property 6).
    /// </summary>
    public void InvalidateRangeStart(Hva start, Hva end)
    {
        // Counted before the slots are read, so a slot published later cannot be missed (property 5).
        lock (_hvaGate)
        {
            _hvaInvalidations++;
        }
        MmuLock.EnterWriteLock();
        try
        {
            Mmu.BeginLocked();
            bool added = false;
            foreach (Memslot slot in Slots.Slots)
            {
                if (slot.AddressSpace != 0 || slot.IsGmemOnly)
                {
                    continue;
                }
                Hva slotStart = slot.UserspaceAddress;
                Hva slotEnd = slotStart + (slot.Pages << Page.Shift);
                Hva lo = start > slotStart ? start : slotStart;
                Hva hi = end < slotEnd ? end : slotEnd;
                if (lo >= hi)
                {
                    continue;
                }
                Gfn gfnStart = slot.BaseGfn + ((lo - slotStart) >> Page.Shift);
                Gfn gfnEnd = slot.BaseGfn + ((hi - slotStart + Page.OffsetMask) >> Page.Shift);
                Mmu.AddRangeLocked(gfnStart, gfnEnd);
                Stage2.ZapLocked(gfnStart, gfnEnd, MappingKind.Shared);
                added = true;
            }
            if (!added)
            {
                // No slot derives from the range; an empty range keeps End's bookkeeping simple.
                Mmu.AddRangeLocked(new Gfn(ulong.MaxValue - 1), new Gfn(ulong.MaxValue));
            }
            Stage2.FlushTlbLocked();
        }
        finally
        {
            MmuLock.ExitWriteLock();
        }
    }

    /// <summary>The mmu notifier's invalidate_range_end.</summary>
    public void InvalidateRangeEnd(Hva start, Hva end)
    {
        EndLocked();
        lock (_hvaGate)
        {
            if (--_hvaInvalidations == 0)
            {
                Monitor.PulseAll(_hvaGate);
            }
        }
    }

    // The kernel's kvm_swap_active_memslots: wait until no mmu-notifier invalidation is in flight, and
    // publish while holding the gate so none can start in between.
    private void PublishOutsideHvaInvalidation(Action publish)
    {
        lock (_hvaGate)
        {
            while (_hvaInvalidations > 0)
            {
                Monitor.Wait(_hvaGate);
            }
            publish();
        }
    }

    private void EndLocked()
    {
        MmuLock.EnterWriteLock();
        try
        {
            Mmu.EndLocked();
        }
        finally
        {
            MmuLock.ExitWriteLock();
        }
    }
}
