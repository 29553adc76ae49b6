using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// A KVM VM (the VM file descriptor). Data model: the VM fd, the VM type, and <see cref="MemslotBackings"/>, the
/// host mappings its memslots reference. Every operation is one ioctl and throws the kernel's errno as
/// <see cref="GmemException"/>. Dispose closes the VM fd; the kernel VM lives on while a vCPU or a guest memory
/// file it created is open (the file pins the VM, not the other way round).
/// </summary>
public sealed unsafe class KvmVm : IVirtualMachine
{
    private readonly KvmHypervisor _hypervisor;
    private readonly FileDescriptorHandle _vm;
    private readonly MemslotBackings _backings = new();
    private int _disposed;

    internal KvmVm(KvmHypervisor hypervisor, FileDescriptorHandle vm, VmType type)
    {
        _hypervisor = hypervisor;
        _vm = vm;
        Type = type;
    }

    /// <inheritdoc/>
    public VmType Type { get; }

    /// <inheritdoc/>
    public int Fd => _vm.Number;

    /// <summary>The hypervisor the VM was created on.</summary>
    public KvmHypervisor Hypervisor => _hypervisor;

    /// <inheritdoc/>
    public long CheckExtension(Capability capability) =>
        _vm.Use(capability, static (fd, cap) =>
            KvmError.Check(Libc.ioctl(fd, KvmIoctls.KVM_CHECK_EXTENSION, (nuint)(uint)cap), "KVM_CHECK_EXTENSION"));

    /// <inheritdoc cref="IVirtualMachine.CreateGuestMemfd(long, GuestMemfdFlags)"/>
    public KvmGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags) => CreateGuestMemfd(size, flags, []);

    /// <inheritdoc cref="IVirtualMachine.CreateGuestMemfd(long, GuestMemfdFlags, ReadOnlySpan{ulong})"/>
    public KvmGuestMemfd CreateGuestMemfd(long size, GuestMemfdFlags flags, ReadOnlySpan<ulong> reserved)
    {
        if (reserved.Length > 6)
        {
            throw new ArgumentOutOfRangeException(nameof(reserved), "kvm_create_guest_memfd has six reserved words.");
        }
        kvm_create_guest_memfd request = default;
        request.size = (ulong)size;
        request.flags = (ulong)flags;
        for (int i = 0; i < reserved.Length; i++)
        {
            request.reserved[i] = reserved[i];
        }
        int fd = _vm.Use((nint)(&request), static (vm, p) => Libc.ioctl(vm, KvmIoctls.KVM_CREATE_GUEST_MEMFD, (void*)p));
        if (fd < 0)
        {
            throw KvmError.Last("KVM_CREATE_GUEST_MEMFD", $"size 0x{size:x}, flags 0x{(ulong)flags:x}.");
        }
        FileDescriptorHandle file = FileDescriptorHandle.Own(fd, FileDescriptorKind.GuestMemfd, size, flags);
        return new KvmGuestMemfd(file, size, flags, _backings);
    }

    /// <inheritdoc/>
    IGuestMemfd IVirtualMachine.CreateGuestMemfd(long size, GuestMemfdFlags flags) => CreateGuestMemfd(size, flags);

    /// <inheritdoc/>
    IGuestMemfd IVirtualMachine.CreateGuestMemfd(long size, GuestMemfdFlags flags, ReadOnlySpan<ulong> reserved) =>
        CreateGuestMemfd(size, flags, reserved);

    /// <inheritdoc/>
    public void SetUserMemoryRegion(UserMemoryRegion region)
    {
        kvm_userspace_memory_region2 request = default;
        request.slot = region.Slot;
        request.flags = (uint)region.Flags;
        request.guest_phys_addr = region.GuestPhysAddr;
        request.memory_size = region.MemorySize;
        request.userspace_addr = region.UserspaceAddr;
        request.guest_memfd_offset = (ulong)region.GuestMemfdOffset;
        request.guest_memfd = (uint)region.GuestMemfd;
        int result = _vm.Use((nint)(&request), static (vm, p) => Libc.ioctl(vm, KvmIoctls.KVM_SET_USER_MEMORY_REGION2, (void*)p));
        Complete(result, region, "KVM_SET_USER_MEMORY_REGION2");
    }

    /// <inheritdoc/>
    public void SetUserMemoryRegionLegacy(UserMemoryRegion region)
    {
        kvm_userspace_memory_region request = new()
        {
            slot = region.Slot,
            flags = (uint)region.Flags,
            guest_phys_addr = region.GuestPhysAddr,
            memory_size = region.MemorySize,
            userspace_addr = region.UserspaceAddr,
        };
        int result = _vm.Use((nint)(&request), static (vm, p) => Libc.ioctl(vm, KvmIoctls.KVM_SET_USER_MEMORY_REGION, (void*)p));
        Complete(result, region, "KVM_SET_USER_MEMORY_REGION");
    }

    /// <inheritdoc/>
    public void SetMemoryAttributes(ulong address, ulong size, MemoryAttributes attributes, ulong flags = 0)
    {
        kvm_memory_attributes request = new() { address = address, size = size, attributes = (ulong)attributes, flags = flags };
        KvmError.Check(_vm.Use((nint)(&request), static (vm, p) => Libc.ioctl(vm, KvmIoctls.KVM_SET_MEMORY_ATTRIBUTES, (void*)p)),
            "KVM_SET_MEMORY_ATTRIBUTES");
    }

    /// <inheritdoc/>
    public void EnableCapability(Capability capability, ulong arg0)
    {
        kvm_enable_cap request = default;
        request.cap = (uint)capability;
        request.args[0] = arg0;
        KvmError.Check(_vm.Use((nint)(&request), static (vm, p) => Libc.ioctl(vm, KvmIoctls.KVM_ENABLE_CAP, (void*)p)),
            "KVM_ENABLE_CAP");
    }

    /// <summary><c>KVM_SET_TSS_ADDR</c>: three pages of guest physical space KVM may use for real-mode emulation on VMX.</summary>
    public void SetTssAddress(Gpa address) =>
        KvmError.Check(_vm.Use(address, static (vm, a) => Libc.ioctl(vm, KvmIoctls.KVM_SET_TSS_ADDR, (nuint)a.Value)),
            "KVM_SET_TSS_ADDR");

    /// <summary><c>KVM_CREATE_VCPU</c> and the mapping of its <c>kvm_run</c> page.</summary>
    public KvmVcpu CreateVcpu(int id)
    {
        int fd = _vm.Use(id, static (vm, i) => Libc.ioctl(vm, KvmIoctls.KVM_CREATE_VCPU, (nuint)(uint)i));
        if (fd < 0)
        {
            throw KvmError.Last("KVM_CREATE_VCPU", $"vCPU {id}.");
        }
        FileDescriptorHandle vcpu = FileDescriptorHandle.Own(fd);
        MappedMemory run;
        try
        {
            run = MappedMemory.Map(_hypervisor.VcpuMmapSize, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                LibcConstants.MAP_SHARED, fd, 0, MappingKind.File);
        }
        catch
        {
            vcpu.Dispose();
            throw;
        }
        return new KvmVcpu(_hypervisor, vcpu, run, id, _backings);
    }

    /// <inheritdoc/>
    IVcpu IVirtualMachine.CreateVcpu(int id) => CreateVcpu(id);

    /// <summary>Closes the VM fd and drops the VM's hold on its memslots' mappings.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _vm.Dispose();
            _backings.Release();
        }
    }

    // After a successful slot change, move the slot's reference to the mapping behind userspace_addr.
    private void Complete(int result, UserMemoryRegion region, string operation)
    {
        if (result < 0)
        {
            throw KvmError.Last(operation, $"slot {region.Slot}, gpa 0x{region.GuestPhysAddr:x}, size 0x{region.MemorySize:x}.");
        }
        if (region.MemorySize == 0)
        {
            _backings.SlotDeleted(region.Slot);
        }
        else
        {
            _backings.SlotSet(region.Slot, region.UserspaceAddr == 0 ? null
                : KvmHostProcess.Current.Mappings.Find(new Hva(region.UserspaceAddr)));
        }
    }
}
