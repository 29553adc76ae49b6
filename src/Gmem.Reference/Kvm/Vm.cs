// A Reference VM (the kernel's `struct kvm`): lifetime, capabilities and guest memory file creation
// here; memslots, attributes, the secondary MMU, invalidations and vCPUs in VmCore (Kvm/), to which
// the memslot, attribute, capability and vCPU operations and the invalidation callbacks delegate.
//
// Data model: the VM type, its descriptor (a VmFile), a users count (the VM file holds one; every guest
// memory file holds one: the file pins the VM), the slots lock, and the VmCore.
// Locking: SlotsLock is the kernel's slots_lock (memslot changes, binding, gmem release take it first).
// The VM registers VmCore as an mmu notifier of the host address space while it lives.

using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>A VM of the Reference platform.</summary>
internal sealed class Vm : IVirtualMachine, IGmemInvalidationTarget
{
    private int _users = 1;
    private int _closed;

    /// <summary>Creates the VM with one user (its file); <see cref="ReferenceHypervisor.CreateVm"/> installs the descriptor.</summary>
    public Vm(ReferenceHypervisor hypervisor, VmType type)
    {
        Hypervisor = hypervisor;
        Type = type;
        Core = new VmCore(this, type, hypervisor.Process, new FrameAccessMemory(hypervisor.Frames), hypervisor.Options.AttributeModel);
        hypervisor.Process.AddressSpace.RegisterNotifier(Core);
    }

    /// <summary>The hypervisor state: memslots, attributes, Stage2, invalidation, faults, vCPUs.</summary>
    public VmCore Core { get; }

    /// <summary>The platform.</summary>
    public ReferenceHypervisor Hypervisor { get; }

    /// <summary>The host process the VM's descriptors live in.</summary>
    public HostProcess Host => Hypervisor.Process;

    /// <inheritdoc/>
    public VmType Type { get; }

    /// <inheritdoc/>
    public int Fd { get; internal set; } = -1;

    /// <summary>The kernel's slots_lock.</summary>
    public object SlotsLock { get; } = new();

    /// <summary>Whether the VM has private memory (SW_PROTECTED and the Reference confidential types).</summary>
    public bool HasPrivateMemory => ReferenceVmTypes.HasPrivateMemory(Type);

    /// <summary>Whether the VM is destroyed (no file and no guest memory file refers to it any more).</summary>
    public bool IsDestroyed => Volatile.Read(ref _users) == 0;

    /// <summary>The guest memory flags this VM accepts (KVM_CAP_GUEST_MEMFD_FLAGS at VM scope).</summary>
    public GuestMemfdFlags SupportedGuestMemfdFlags =>
        ReferenceHypervisor.AllGuestMemfdFlags
        & ~(HasPrivateMemory && Hypervisor.Options.AttributeModel == AttributeModel.PerVm ? GuestMemfdFlags.InitShared : 0);

    /// <summary>Takes a user reference (a guest memory file).</summary>
    public void Get()
    {
        int after = Interlocked.Increment(ref _users);
        Debug.Assert(after > 1, "Get on a destroyed VM");
    }

    /// <summary>Drops a user reference; the last destroys the VM.</summary>
    public void Put()
    {
        int after = Interlocked.Decrement(ref _users);
        Debug.Assert(after >= 0, "Put on a destroyed VM");
        if (after == 0)
        {
            Hypervisor.Process.AddressSpace.UnregisterNotifier(Core);
        }
    }

    /// <inheritdoc/>
    public long CheckExtension(Capability capability) => capability switch
    {
        Capability.GuestMemfdFlags => (long)SupportedGuestMemfdFlags,
        _ when Core.TryCheckExtension(capability, out long value) => value,
        _ => Hypervisor.CheckExtension(capability),
    };

    /// <inheritdoc/>
    public IGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags) => CreateGuestMemfd(size, flags, default);

    /// <inheritdoc/>
    public IGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags, ReadOnlySpan<ulong> reserved)
    {
        // Like upstream, the reserved words are not validated (spec §2.1 check 4).
        var file = GuestMemfdFile.Create(this, Hypervisor.Frames, size, flags, SupportedGuestMemfdFlags);
        int fd = Host.Install(file, closeOnExec: false);
        return new GuestMemfdHandle(Host, file, fd);
    }

    /// <inheritdoc/>
    public void SetUserMemoryRegion(UserMemoryRegion region) => Core.SetUserMemoryRegion(region, legacy: false);

    /// <inheritdoc/>
    public void SetUserMemoryRegionLegacy(UserMemoryRegion region) => Core.SetUserMemoryRegion(region, legacy: true);

    /// <inheritdoc/>
    public void SetMemoryAttributes(ulong address, ulong size, MemoryAttributes attributes, ulong flags = 0) =>
        Core.SetMemoryAttributes(address, size, attributes, flags);

    /// <inheritdoc/>
    public void EnableCapability(Capability capability, ulong arg0) => Core.EnableCapability(capability, arg0);

    /// <inheritdoc/>
    public IVcpu CreateVcpu(int id) => Core.CreateVcpu(id);

    /// <inheritdoc/>
    void IGmemInvalidationTarget.InvalidateBegin() => Core.InvalidateBegin();

    /// <inheritdoc/>
    void IGmemInvalidationTarget.InvalidateRangeAdd(Gfn start, Gfn end, GmemInvalidationFilter filter) =>
        Core.InvalidateRangeAdd(start, end, filter);

    /// <inheritdoc/>
    void IGmemInvalidationTarget.InvalidateEnd() => Core.InvalidateEnd();

    /// <summary>Closes the VM's descriptor (once); the VM lives on while a guest memory file pins it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0 && Fd >= 0)
        {
            Host.Close(Fd);
        }
    }
}
