namespace Gmem.Kvm.Interop;

/// <summary>Constants of <c>&lt;linux/kvm.h&gt;</c> (C names).</summary>
internal static class KvmConstants
{
    internal const int KVM_API_VERSION = 12;

    internal const uint KVM_EXIT_UNKNOWN = 0;
    internal const uint KVM_EXIT_EXCEPTION = 1;
    internal const uint KVM_EXIT_IO = 2;
    internal const uint KVM_EXIT_HYPERCALL = 3;
    internal const uint KVM_EXIT_DEBUG = 4;
    internal const uint KVM_EXIT_HLT = 5;
    internal const uint KVM_EXIT_MMIO = 6;
    internal const uint KVM_EXIT_SHUTDOWN = 8;
    internal const uint KVM_EXIT_FAIL_ENTRY = 9;
    internal const uint KVM_EXIT_INTR = 10;
    internal const uint KVM_EXIT_INTERNAL_ERROR = 17;
    internal const uint KVM_EXIT_SYSTEM_EVENT = 24;
    internal const uint KVM_EXIT_MEMORY_FAULT = 39;

    internal const byte KVM_EXIT_IO_IN = 0;
    internal const byte KVM_EXIT_IO_OUT = 1;

    internal const uint KVM_MEM_LOG_DIRTY_PAGES = 1u << 0;
    internal const uint KVM_MEM_READONLY = 1u << 1;
    internal const uint KVM_MEM_GUEST_MEMFD = 1u << 2;

    internal const ulong GUEST_MEMFD_FLAG_MMAP = 1ul << 0;
    internal const ulong GUEST_MEMFD_FLAG_INIT_SHARED = 1ul << 1;

    internal const ulong KVM_MEMORY_ATTRIBUTE_PRIVATE = 1ul << 3;
    internal const ulong KVM_MEMORY_EXIT_FLAG_PRIVATE = 1ul << 3;

    internal const int KVM_MAX_CPUID_ENTRIES = 256;
    internal const int KVM_NR_INTERRUPTS = 256;

    /// <summary>Size of the union inside <c>struct kvm_run</c>.</summary>
    internal const int KVM_RUN_UNION_SIZE = 256;

    /// <summary>Offset of the exit union inside <c>struct kvm_run</c>.</summary>
    internal const int KVM_RUN_UNION_OFFSET = 32;
}
