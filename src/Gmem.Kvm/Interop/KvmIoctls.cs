namespace Gmem.Kvm.Interop;

/// <summary>
/// KVM ioctl request numbers (C names), computed with the kernel's <c>_IOC</c> encoding from the struct sizes.
/// The layout tests compare each value with <c>&lt;linux/kvm.h&gt;</c>, or with spec §0.3 where the installed
/// header predates the symbol.
/// </summary>
internal static unsafe class KvmIoctls
{
    private const uint KVMIO = 0xAE;
    private const uint IOC_NONE = 0;
    private const uint IOC_WRITE = 1;
    private const uint IOC_READ = 2;

    // /dev/kvm (system) ioctls.
    internal const uint KVM_GET_API_VERSION = (IOC_NONE << 30) | (KVMIO << 8) | 0x00;
    internal const uint KVM_CREATE_VM = (IOC_NONE << 30) | (KVMIO << 8) | 0x01;
    internal const uint KVM_CHECK_EXTENSION = (IOC_NONE << 30) | (KVMIO << 8) | 0x03;
    internal const uint KVM_GET_VCPU_MMAP_SIZE = (IOC_NONE << 30) | (KVMIO << 8) | 0x04;
    internal static readonly uint KVM_GET_SUPPORTED_CPUID = Ioc(IOC_READ | IOC_WRITE, 0x05, sizeof(kvm_cpuid2));

    // VM ioctls.
    internal const uint KVM_CREATE_VCPU = (IOC_NONE << 30) | (KVMIO << 8) | 0x41;
    internal static readonly uint KVM_SET_USER_MEMORY_REGION = Ioc(IOC_WRITE, 0x46, sizeof(kvm_userspace_memory_region));
    internal const uint KVM_SET_TSS_ADDR = (IOC_NONE << 30) | (KVMIO << 8) | 0x47;
    internal static readonly uint KVM_SET_USER_MEMORY_REGION2 = Ioc(IOC_WRITE, 0x49, sizeof(kvm_userspace_memory_region2));
    internal static readonly uint KVM_ENABLE_CAP = Ioc(IOC_WRITE, 0xA3, sizeof(kvm_enable_cap));
    internal static readonly uint KVM_SET_MEMORY_ATTRIBUTES = Ioc(IOC_WRITE, 0xD2, sizeof(kvm_memory_attributes));
    internal static readonly uint KVM_CREATE_GUEST_MEMFD = Ioc(IOC_READ | IOC_WRITE, 0xD4, sizeof(kvm_create_guest_memfd));

    // vCPU ioctls.
    internal const uint KVM_RUN = (IOC_NONE << 30) | (KVMIO << 8) | 0x80;
    internal static readonly uint KVM_GET_REGS = Ioc(IOC_READ, 0x81, sizeof(kvm_regs));
    internal static readonly uint KVM_SET_REGS = Ioc(IOC_WRITE, 0x82, sizeof(kvm_regs));
    internal static readonly uint KVM_GET_SREGS = Ioc(IOC_READ, 0x83, sizeof(kvm_sregs));
    internal static readonly uint KVM_SET_SREGS = Ioc(IOC_WRITE, 0x84, sizeof(kvm_sregs));
    internal static readonly uint KVM_SET_CPUID2 = Ioc(IOC_WRITE, 0x90, sizeof(kvm_cpuid2));
    internal static readonly uint KVM_PRE_FAULT_MEMORY = Ioc(IOC_READ | IOC_WRITE, 0xD5, sizeof(kvm_pre_fault_memory));

    // guest_memfd ioctl of the in-flight in-place conversion series (spec §0.3, §2.18; not upstream).
    internal static readonly uint KVM_SET_MEMORY_ATTRIBUTES2 = Ioc(IOC_READ | IOC_WRITE, 0xD2, sizeof(kvm_memory_attributes2));

    private static uint Ioc(uint direction, uint number, int size) =>
        (direction << 30) | ((uint)size << 16) | (KVMIO << 8) | number;
}
