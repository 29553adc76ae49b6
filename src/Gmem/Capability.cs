namespace Gmem;

/// <summary>KVM capabilities (<c>KVM_CAP_*</c> numbers) that Gmem reads with <c>KVM_CHECK_EXTENSION</c>.</summary>
public enum Capability : uint
{
    /// <summary>KVM_CAP_NR_MEMSLOTS: the number of user memslots.</summary>
    NrMemslots = 10,
    /// <summary>KVM_CAP_EXIT_HYPERCALL: bitmask of hypercalls that can be forwarded (bit 12 = MAP_GPA_RANGE).</summary>
    ExitHypercall = 201,
    /// <summary>KVM_CAP_USER_MEMORY2: KVM_SET_USER_MEMORY_REGION2 exists.</summary>
    UserMemory2 = 231,
    /// <summary>KVM_CAP_MEMORY_FAULT_INFO: KVM_EXIT_MEMORY_FAULT is reported.</summary>
    MemoryFaultInfo = 232,
    /// <summary>KVM_CAP_MEMORY_ATTRIBUTES: bitmask of supported memory attributes.</summary>
    MemoryAttributes = 233,
    /// <summary>KVM_CAP_GUEST_MEMFD: KVM_CREATE_GUEST_MEMFD exists.</summary>
    GuestMemfd = 234,
    /// <summary>KVM_CAP_VM_TYPES: bitmap of VM types.</summary>
    VmTypes = 235,
    /// <summary>KVM_CAP_PRE_FAULT_MEMORY: KVM_PRE_FAULT_MEMORY works.</summary>
    PreFaultMemory = 236,
    /// <summary>KVM_CAP_GUEST_MEMFD_FLAGS: bitmask of accepted guest_memfd flags.</summary>
    GuestMemfdFlags = 244,
}
