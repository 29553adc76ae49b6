namespace Gmem;

/// <summary>
/// A hypervisor platform: the kernel's <c>/dev/kvm</c> (system scope). Two implementations exist, the real
/// Linux KVM (<c>Gmem.Kvm</c>) and the managed Reference platform (<c>Gmem.Reference</c>); both return the
/// kernel's errno for the same bad input. Dispose closes the system handle.
/// </summary>
public interface IHypervisor : IDisposable
{
    /// <summary>"kvm" or "reference".</summary>
    string Name { get; }

    /// <summary>The file descriptor of the system handle (<c>/dev/kvm</c>) in <see cref="Host"/>.</summary>
    int Fd { get; }

    /// <summary>The VMM's own process: its mappings, file descriptors and user-copy primitives.</summary>
    IHostProcess Host { get; }

    /// <summary><c>KVM_GET_API_VERSION</c> (12 on every Linux since 2.6.22).</summary>
    int ApiVersion { get; }

    /// <summary><c>KVM_CHECK_EXTENSION</c> at system scope.</summary>
    long CheckExtension(Capability capability);

    /// <summary><c>KVM_CREATE_VM</c>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EINVAL"/> for a type the host does not support.</exception>
    IVirtualMachine CreateVm(VmType type = VmType.Default);
}
