using System.Globalization;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// The real Linux KVM: the system handle <c>/dev/kvm</c>. Creates VMs, answers system-scope capability checks
/// and reports the CPUID the host supports. Dispose closes the handle; VMs created from it live on.
/// </summary>
public sealed unsafe class KvmHypervisor : IHypervisor
{
    private readonly FileDescriptorHandle _kvm;
    private int _vcpuMmapSize;

    private KvmHypervisor(FileDescriptorHandle kvm, int apiVersion)
    {
        _kvm = kvm;
        ApiVersion = apiVersion;
    }

    /// <inheritdoc/>
    public string Name => "kvm";

    /// <inheritdoc/>
    public int Fd => _kvm.Number;

    /// <inheritdoc/>
    public IHostProcess Host => KvmHostProcess.Current;

    /// <inheritdoc/>
    public int ApiVersion { get; }

    /// <summary>Opens <paramref name="path"/> and checks the API version (12).</summary>
    /// <exception cref="GmemException">ENOENT or EACCES (the errno of <c>open</c>) when the device cannot be opened.</exception>
    public static KvmHypervisor Open(string path = "/dev/kvm")
    {
        int fd = Libc.open(path, LibcConstants.O_RDWR | LibcConstants.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw KvmError.Last("open", $"Cannot open {path}.");
        }
        FileDescriptorHandle kvm = FileDescriptorHandle.Own(fd);
        int version = Libc.ioctl(fd, KvmIoctls.KVM_GET_API_VERSION, (nuint)0);
        if (version != KvmConstants.KVM_API_VERSION)
        {
            Errno errno = version < 0 ? KvmError.LastErrno : Errno.EINVAL;
            kvm.Dispose();
            throw new GmemException("KVM_GET_API_VERSION", errno,
                $"{path} reports API version {version.ToString(CultureInfo.InvariantCulture)}, not 12.");
        }
        return new KvmHypervisor(kvm, version);
    }

    /// <inheritdoc/>
    public long CheckExtension(Capability capability) =>
        _kvm.Use(capability, static (fd, cap) =>
            KvmError.Check(Libc.ioctl(fd, KvmIoctls.KVM_CHECK_EXTENSION, (nuint)(uint)cap), "KVM_CHECK_EXTENSION"));

    /// <summary><c>KVM_CREATE_VM</c>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EINVAL"/> for a type the host does not support.</exception>
    public KvmVm CreateVm(VmType type = VmType.Default)
    {
        int fd;
        do
        {
            fd = _kvm.Use(type, static (kvm, t) => Libc.ioctl(kvm, KvmIoctls.KVM_CREATE_VM, (nuint)(ulong)t));
        }
        while (fd < 0 && KvmError.LastErrno == Errno.EINTR);
        if (fd < 0)
        {
            throw KvmError.Last("KVM_CREATE_VM", $"VM type {type}.");
        }
        return new KvmVm(this, FileDescriptorHandle.Own(fd), type);
    }

    /// <inheritdoc/>
    IVirtualMachine IHypervisor.CreateVm(VmType type) => CreateVm(type);

    /// <summary><c>KVM_GET_SUPPORTED_CPUID</c>: every leaf KVM can expose to a guest on this host.</summary>
    public IReadOnlyList<X86CpuidEntry> GetSupportedCpuid()
    {
        const int capacity = KvmConstants.KVM_MAX_CPUID_ENTRIES;
        int bytes = sizeof(kvm_cpuid2) + (capacity * sizeof(kvm_cpuid_entry2));
        byte* buffer = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            ((kvm_cpuid2*)buffer)->nent = capacity;
            _kvm.Use((nint)buffer, static (fd, p) =>
                KvmError.Check(Libc.ioctl(fd, KvmIoctls.KVM_GET_SUPPORTED_CPUID, (void*)p), "KVM_GET_SUPPORTED_CPUID"));
            int count = (int)((kvm_cpuid2*)buffer)->nent;
            var entries = new X86CpuidEntry[count];
            kvm_cpuid_entry2* raw = (kvm_cpuid_entry2*)(buffer + sizeof(kvm_cpuid2));
            for (int i = 0; i < count; i++)
            {
                entries[i] = new X86CpuidEntry(raw[i].function, raw[i].index, raw[i].flags, raw[i].eax, raw[i].ebx, raw[i].ecx, raw[i].edx);
            }
            return entries;
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(buffer);
        }
    }

    /// <summary><c>KVM_GET_VCPU_MMAP_SIZE</c>, asked once.</summary>
    internal int VcpuMmapSize
    {
        get
        {
            if (_vcpuMmapSize == 0)
            {
                _vcpuMmapSize = _kvm.Use(0, static (fd, _) =>
                    KvmError.Check(Libc.ioctl(fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, (nuint)0), "KVM_GET_VCPU_MMAP_SIZE"));
            }
            return _vcpuMmapSize;
        }
    }

    /// <summary>Closes <c>/dev/kvm</c>.</summary>
    public void Dispose() => _kvm.Dispose();
}
