namespace Gmem;

/// <summary>
/// A VM (<c>struct kvm</c>). Dispose closes the VM's file descriptor; the VM itself lives on while a
/// guest memory file it created is still open or mapped (the file pins the VM).
/// </summary>
public interface IVirtualMachine : IDisposable
{
    /// <summary>The VM type it was created with.</summary>
    VmType Type { get; }

    /// <summary>The VM's file descriptor in the host process.</summary>
    int Fd { get; }

    /// <summary><c>KVM_CHECK_EXTENSION</c> at VM scope.</summary>
    long CheckExtension(Capability capability);

    /// <summary><c>KVM_CREATE_GUEST_MEMFD</c>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EINVAL"/> for unsupported flags or a bad size.</exception>
    IGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags);

    /// <summary><c>KVM_CREATE_GUEST_MEMFD</c> with the struct's <c>reserved</c> words (up to six; upstream ignores them).</summary>
    IGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags, ReadOnlySpan<ulong> reserved);

    /// <summary><c>KVM_SET_USER_MEMORY_REGION2</c>: create, modify or (size 0) delete a memslot.</summary>
    /// <exception cref="GmemException">The errno of spec §2.7, in the kernel's check order.</exception>
    void SetUserMemoryRegion(UserMemoryRegion region);

    /// <summary>The legacy <c>KVM_SET_USER_MEMORY_REGION</c> (v1): the gmem fields are not passed.</summary>
    void SetUserMemoryRegionLegacy(UserMemoryRegion region);

    /// <summary><c>KVM_SET_MEMORY_ATTRIBUTES</c> (per-VM attributes, spec §2.13).</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOTTY"/> where the host has no per-VM attributes.</exception>
    void SetMemoryAttributes(ulong address, ulong size, MemoryAttributes attributes, ulong flags = 0);

    /// <summary><c>KVM_ENABLE_CAP</c> at VM scope.</summary>
    void EnableCapability(Capability capability, ulong arg0);

    /// <summary><c>KVM_CREATE_VCPU</c>.</summary>
    IVcpu CreateVcpu(int id);
}
