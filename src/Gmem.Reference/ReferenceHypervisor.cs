// The Reference platform's system scope (/dev/kvm): the host process, the memory, and VM creation.
//
// Data model: the options, the frames (memory management), one simulated host process, and the
// "/dev/kvm" descriptor in it. Capabilities at system scope are the union over the VM types this
// platform offers (docs/compatibility.md, "Reference guest memory file").
// Locking: none of its own; see HostProcess and Vm.

using Gmem.Reference.Host;
using Gmem.Reference.Kvm;

namespace Gmem.Reference;

/// <summary>The managed Reference platform.</summary>
public sealed class ReferenceHypervisor : IHypervisor
{
    /// <summary>Every guest memory flag the Reference platform implements.</summary>
    internal const GuestMemfdFlags AllGuestMemfdFlags = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared
        | GuestMemfdFlags.NoDirectMap | GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Hugetlb1G;

    private int _disposed;

    /// <summary>Creates a Reference host with <paramref name="options"/> (defaults when null).</summary>
    public ReferenceHypervisor(ReferenceOptions? options = null)
    {
        Options = options ?? new ReferenceOptions();
        Frames = new FrameAccess(Options);
        Process = new HostProcess(Frames);
        Fd = Process.Install(new KvmDeviceFile(), closeOnExec: true);
    }

    /// <summary>The options it was created with.</summary>
    public ReferenceOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "reference";

    /// <inheritdoc/>
    public int Fd { get; }

    /// <inheritdoc/>
    public IHostProcess Host => Process;

    /// <inheritdoc/>
    public int ApiVersion => 12;

    /// <summary>The simulated host process.</summary>
    internal HostProcess Process { get; }

    /// <summary>The memory.</summary>
    internal FrameAccess Frames { get; }

    /// <inheritdoc/>
    public long CheckExtension(Capability capability) => capability switch
    {
        Capability.NrMemslots => 32764,
        Capability.ExitHypercall => 1L << 12,
        Capability.UserMemory2 => 1,
        Capability.MemoryFaultInfo => 1,
        Capability.MemoryAttributes => (long)MemoryAttributes.Private,
        Capability.GuestMemfd => 1,
        Capability.VmTypes => (1L << (int)VmType.Default) | (1L << (int)VmType.SwProtected),
        Capability.PreFaultMemory => 1,
        Capability.GuestMemfdFlags => (long)AllGuestMemfdFlags,
        _ => 0,
    };

    /// <inheritdoc/>
    public IVirtualMachine CreateVm(VmType type = VmType.Default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!Kvm.ReferenceVmTypes.IsSupported(type))
        {
            throw new GmemException("KVM_CREATE_VM", Errno.EINVAL, $"VM type {(ulong)type} is not supported.");
        }
        var vm = new Vm(this, type);
        vm.Fd = Process.Install(new VmFile(vm), closeOnExec: true);
        return vm;
    }

    /// <summary>
    /// Closes the /dev/kvm descriptor. VMs, files and mappings stay usable until they are closed themselves;
    /// the frame arena is unmapped here only when none is left (else the finalizers of the arena free it).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Process.Close(Fd);
            if (Process.Files.Count == 0 && Process.AddressSpace.AreaCount == 0)
            {
                Frames.Dispose();
            }
        }
    }
}
