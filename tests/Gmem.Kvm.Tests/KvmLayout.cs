using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm.Tests;

/// <summary>
/// Every size, field offset, ioctl number and constant the Kvm platform passes to the kernel, with the C
/// expression that computes it from the headers. Symbols newer than the installed header carry the value
/// from spec §0 and the kernel release they come from.
/// </summary>
internal static unsafe class KvmLayout
{
    /// <summary>One checked value.</summary>
    /// <param name="Name">What is checked (also the key in the C program's output).</param>
    /// <param name="CExpression">The C expression for it.</param>
    /// <param name="Actual">What the C# code uses.</param>
    /// <param name="Guard">The macro that must be defined for the header to have it (null: always there).</param>
    /// <param name="Spec">The value from spec §0, for headers that predate the symbol.</param>
    /// <param name="Since">The kernel release (or series) the symbol comes from.</param>
    internal sealed record Entry(string Name, string CExpression, long Actual, string? Guard = null, long? Spec = null, string? Since = null)
    {
        public override string ToString() => Name;
    }

    private const string Region2 = "KVM_SET_USER_MEMORY_REGION2";
    private const string Gmem = "KVM_CREATE_GUEST_MEMFD";
    private const string Attrs = "KVM_SET_MEMORY_ATTRIBUTES";
    private const string PreFault = "KVM_PRE_FAULT_MEMORY";
    private const string Attrs2 = "KVM_SET_MEMORY_ATTRIBUTES2";
    private const string Fault = "KVM_EXIT_MEMORY_FAULT";

    public static IReadOnlyList<Entry> Entries { get; } = Build();

    private static List<Entry> Build() =>
    [
        // --- memory structs ---
        Size<kvm_userspace_memory_region>("struct kvm_userspace_memory_region"),
        .. Fields<kvm_userspace_memory_region>("struct kvm_userspace_memory_region", "slot", "flags", "guest_phys_addr", "memory_size", "userspace_addr"),
        Size<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", Region2, 160, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "slot", Region2, 0, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "flags", Region2, 4, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "guest_phys_addr", Region2, 8, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "memory_size", Region2, 16, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "userspace_addr", Region2, 24, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "guest_memfd_offset", Region2, 32, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "guest_memfd", Region2, 40, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "pad1", Region2, 44, "6.8"),
        Off<kvm_userspace_memory_region2>("struct kvm_userspace_memory_region2", "pad2", Region2, 48, "6.8"),
        Size<kvm_create_guest_memfd>("struct kvm_create_guest_memfd", Gmem, 64, "6.8"),
        Off<kvm_create_guest_memfd>("struct kvm_create_guest_memfd", "size", Gmem, 0, "6.8"),
        Off<kvm_create_guest_memfd>("struct kvm_create_guest_memfd", "flags", Gmem, 8, "6.8"),
        Off<kvm_create_guest_memfd>("struct kvm_create_guest_memfd", "reserved", Gmem, 16, "6.8"),
        Size<kvm_memory_attributes>("struct kvm_memory_attributes", Attrs, 32, "6.8"),
        Off<kvm_memory_attributes>("struct kvm_memory_attributes", "address", Attrs, 0, "6.8"),
        Off<kvm_memory_attributes>("struct kvm_memory_attributes", "size", Attrs, 8, "6.8"),
        Off<kvm_memory_attributes>("struct kvm_memory_attributes", "attributes", Attrs, 16, "6.8"),
        Off<kvm_memory_attributes>("struct kvm_memory_attributes", "flags", Attrs, 24, "6.8"),
        Size<kvm_memory_attributes2>("struct kvm_memory_attributes2", Attrs2, 128, "in-flight in-place conversion series (v7, May 2026)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "offset", Attrs2, 0, "in-flight (v7)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "size", Attrs2, 8, "in-flight (v7)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "attributes", Attrs2, 16, "in-flight (v7)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "flags", Attrs2, 24, "in-flight (v7)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "error_offset", Attrs2, 32, "in-flight (v7)"),
        Off<kvm_memory_attributes2>("struct kvm_memory_attributes2", "reserved", Attrs2, 40, "in-flight (v7)"),
        Size<kvm_pre_fault_memory>("struct kvm_pre_fault_memory", PreFault, 64, "6.11"),
        Off<kvm_pre_fault_memory>("struct kvm_pre_fault_memory", "gpa", PreFault, 0, "6.11"),
        Off<kvm_pre_fault_memory>("struct kvm_pre_fault_memory", "size", PreFault, 8, "6.11"),
        Off<kvm_pre_fault_memory>("struct kvm_pre_fault_memory", "flags", PreFault, 16, "6.11"),
        Off<kvm_pre_fault_memory>("struct kvm_pre_fault_memory", "padding", PreFault, 24, "6.11"),
        Size<kvm_enable_cap>("struct kvm_enable_cap"),
        .. Fields<kvm_enable_cap>("struct kvm_enable_cap", "cap", "flags", "args", "pad"),

        // --- registers and CPUID ---
        Size<kvm_regs>("struct kvm_regs"),
        .. Fields<kvm_regs>("struct kvm_regs", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"),
        Size<kvm_segment>("struct kvm_segment"),
        .. Fields<kvm_segment>("struct kvm_segment", "base", "limit", "selector", "type", "present", "dpl", "db", "s", "l", "g", "avl", "unusable", "padding"),
        Size<kvm_dtable>("struct kvm_dtable"),
        .. Fields<kvm_dtable>("struct kvm_dtable", "base", "limit", "padding"),
        Size<kvm_sregs>("struct kvm_sregs"),
        .. Fields<kvm_sregs>("struct kvm_sregs", "cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt", "gdt", "idt",
            "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "apic_base", "interrupt_bitmap"),
        Size<kvm_cpuid_entry2>("struct kvm_cpuid_entry2"),
        .. Fields<kvm_cpuid_entry2>("struct kvm_cpuid_entry2", "function", "index", "flags", "eax", "ebx", "ecx", "edx", "padding"),
        Size<kvm_cpuid2>("struct kvm_cpuid2"),
        .. Fields<kvm_cpuid2>("struct kvm_cpuid2", "nent", "padding"),

        // --- kvm_run ---
        Size<kvm_run>("struct kvm_run"),
        .. Fields<kvm_run>("struct kvm_run", "request_interrupt_window", "immediate_exit", "padding1", "exit_reason",
            "ready_for_interrupt_injection", "if_flag", "flags", "cr8", "apic_base", "kvm_valid_regs", "kvm_dirty_regs", "s"),
        new("offsetof(struct kvm_run, io)", "offsetof(struct kvm_run, io)", KvmConstants.KVM_RUN_UNION_OFFSET),
        Union<kvm_run_io>("io", "direction"),
        Union<kvm_run_io>("io", "size"),
        Union<kvm_run_io>("io", "port"),
        Union<kvm_run_io>("io", "count"),
        Union<kvm_run_io>("io", "data_offset"),
        Union<kvm_run_mmio>("mmio", "phys_addr"),
        Union<kvm_run_mmio>("mmio", "data"),
        Union<kvm_run_mmio>("mmio", "len"),
        Union<kvm_run_mmio>("mmio", "is_write"),
        Union<kvm_run_hypercall>("hypercall", "nr"),
        Union<kvm_run_hypercall>("hypercall", "args"),
        Union<kvm_run_hypercall>("hypercall", "ret"),
        new("offsetof(struct kvm_run, hypercall.flags)", "offsetof(struct kvm_run, HC_FLAGS)",
            KvmConstants.KVM_RUN_UNION_OFFSET + Marshal.OffsetOf<kvm_run_hypercall>("flags")),
        Union<kvm_run_internal>("internal", "suberror"),
        Union<kvm_run_internal>("internal", "ndata"),
        Union<kvm_run_internal>("internal", "data"),
        Union<kvm_run_memory_fault>("memory_fault", "flags", Fault, 32, "6.8"),
        Union<kvm_run_memory_fault>("memory_fault", "gpa", Fault, 40, "6.8"),
        Union<kvm_run_memory_fault>("memory_fault", "size", Fault, 48, "6.8"),
        new("sizeof(kvm_run union)", "sizeof(((struct kvm_run *)0)->padding)", KvmConstants.KVM_RUN_UNION_SIZE),

        // --- libc structs ---
        Size<iovec>("struct iovec"),
        .. Fields<iovec>("struct iovec", "iov_base", "iov_len"),
        Size<stat>("struct stat"),
        Off<stat>("struct stat", "st_ino"),
        Off<stat>("struct stat", "st_mode"),
        Off<stat>("struct stat", "st_size"),
        Off<stat>("struct stat", "st_blksize"),
        Off<stat>("struct stat", "st_blocks"),

        // --- ioctl numbers ---
        Ioctl("KVM_GET_API_VERSION", KvmIoctls.KVM_GET_API_VERSION),
        Ioctl("KVM_CREATE_VM", KvmIoctls.KVM_CREATE_VM),
        Ioctl("KVM_CHECK_EXTENSION", KvmIoctls.KVM_CHECK_EXTENSION),
        Ioctl("KVM_GET_VCPU_MMAP_SIZE", KvmIoctls.KVM_GET_VCPU_MMAP_SIZE),
        Ioctl("KVM_GET_SUPPORTED_CPUID", KvmIoctls.KVM_GET_SUPPORTED_CPUID),
        Ioctl("KVM_CREATE_VCPU", KvmIoctls.KVM_CREATE_VCPU),
        Ioctl("KVM_SET_USER_MEMORY_REGION", KvmIoctls.KVM_SET_USER_MEMORY_REGION),
        Ioctl("KVM_SET_TSS_ADDR", KvmIoctls.KVM_SET_TSS_ADDR),
        Ioctl("KVM_ENABLE_CAP", KvmIoctls.KVM_ENABLE_CAP),
        Ioctl("KVM_RUN", KvmIoctls.KVM_RUN),
        Ioctl("KVM_GET_REGS", KvmIoctls.KVM_GET_REGS),
        Ioctl("KVM_SET_REGS", KvmIoctls.KVM_SET_REGS),
        Ioctl("KVM_GET_SREGS", KvmIoctls.KVM_GET_SREGS),
        Ioctl("KVM_SET_SREGS", KvmIoctls.KVM_SET_SREGS),
        Ioctl("KVM_SET_CPUID2", KvmIoctls.KVM_SET_CPUID2),
        Ioctl(Region2, KvmIoctls.KVM_SET_USER_MEMORY_REGION2, 0x40A0AE49, "6.8"),
        Ioctl(Gmem, KvmIoctls.KVM_CREATE_GUEST_MEMFD, 0xC040AED4, "6.8"),
        Ioctl(Attrs, KvmIoctls.KVM_SET_MEMORY_ATTRIBUTES, 0x4020AED2, "6.8"),
        Ioctl(PreFault, KvmIoctls.KVM_PRE_FAULT_MEMORY, 0xC040AED5, "6.11"),
        Ioctl(Attrs2, KvmIoctls.KVM_SET_MEMORY_ATTRIBUTES2, 0xC080AED2, "in-flight (v7)"),

        // --- constants ---
        Const("KVM_API_VERSION", KvmConstants.KVM_API_VERSION),
        Const("KVM_EXIT_IO", KvmConstants.KVM_EXIT_IO),
        Const("KVM_EXIT_HYPERCALL", KvmConstants.KVM_EXIT_HYPERCALL),
        Const("KVM_EXIT_HLT", KvmConstants.KVM_EXIT_HLT),
        Const("KVM_EXIT_MMIO", KvmConstants.KVM_EXIT_MMIO),
        Const("KVM_EXIT_SHUTDOWN", KvmConstants.KVM_EXIT_SHUTDOWN),
        Const("KVM_EXIT_FAIL_ENTRY", KvmConstants.KVM_EXIT_FAIL_ENTRY),
        Const("KVM_EXIT_INTR", KvmConstants.KVM_EXIT_INTR),
        Const("KVM_EXIT_INTERNAL_ERROR", KvmConstants.KVM_EXIT_INTERNAL_ERROR),
        Const("KVM_EXIT_SYSTEM_EVENT", KvmConstants.KVM_EXIT_SYSTEM_EVENT),
        Const(Fault, KvmConstants.KVM_EXIT_MEMORY_FAULT, 39, "6.8"),
        Const("KVM_EXIT_IO_IN", KvmConstants.KVM_EXIT_IO_IN),
        Const("KVM_EXIT_IO_OUT", KvmConstants.KVM_EXIT_IO_OUT),
        Const("KVM_INTERNAL_ERROR_EMULATION", 1),
        Const("KVM_MEM_LOG_DIRTY_PAGES", (long)MemslotFlags.LogDirtyPages),
        Const("KVM_MEM_READONLY", (long)MemslotFlags.ReadOnly),
        Const("KVM_MEM_GUEST_MEMFD", (long)MemslotFlags.GuestMemfd, 4, "6.8"),
        Const("GUEST_MEMFD_FLAG_MMAP", (long)GuestMemfdFlags.Mmap, 1, "6.18"),
        Const("GUEST_MEMFD_FLAG_INIT_SHARED", (long)GuestMemfdFlags.InitShared, 2, "6.18"),
        Const("KVM_MEMORY_ATTRIBUTE_PRIVATE", (long)MemoryAttributes.Private, 8, "6.8"),
        Const("KVM_MEMORY_EXIT_FLAG_PRIVATE", (long)VcpuExit.MemoryFault.FlagPrivate, 8, "6.8"),
        Const("KVM_X86_DEFAULT_VM", (long)VmType.Default, 0, "6.8"),
        Const("KVM_X86_SW_PROTECTED_VM", (long)VmType.SwProtected, 1, "6.8"),
        Const("KVM_X86_SEV_VM", (long)VmType.Sev, 2, "6.10"),
        Const("KVM_X86_SEV_ES_VM", (long)VmType.SevEs, 3, "6.10"),
        Const("KVM_X86_SNP_VM", (long)VmType.Snp, 4, "6.11"),
        Const("KVM_X86_TDX_VM", (long)VmType.Tdx, 5, "6.16"),
        Const("KVM_HC_MAP_GPA_RANGE", (long)VcpuExit.Hypercall.MapGpaRange),
        Const("KVM_CAP_NR_MEMSLOTS", (long)Capability.NrMemslots),
        Const("KVM_CAP_EXIT_HYPERCALL", (long)Capability.ExitHypercall),
        Const("KVM_CAP_USER_MEMORY2", (long)Capability.UserMemory2, 231, "6.8"),
        Const("KVM_CAP_MEMORY_FAULT_INFO", (long)Capability.MemoryFaultInfo, 232, "6.8"),
        Const("KVM_CAP_MEMORY_ATTRIBUTES", (long)Capability.MemoryAttributes, 233, "6.8"),
        Const("KVM_CAP_GUEST_MEMFD", (long)Capability.GuestMemfd, 234, "6.8"),
        Const("KVM_CAP_VM_TYPES", (long)Capability.VmTypes, 235, "6.8"),
        Const("KVM_CAP_PRE_FAULT_MEMORY", (long)Capability.PreFaultMemory, 236, "6.11"),
        Const("KVM_CAP_GUEST_MEMFD_FLAGS", (long)Capability.GuestMemfdFlags, 244, "6.18"),

        // --- libc constants the raw layer and the Gmem vocabulary pass through ---
        Const("O_RDWR", LibcConstants.O_RDWR),
        Const("O_CLOEXEC", LibcConstants.O_CLOEXEC),
        Const("PROT_READ", (long)MapProtection.Read),
        Const("PROT_WRITE", (long)MapProtection.Write),
        Const("PROT_EXEC", (long)MapProtection.Exec),
        Const("MAP_SHARED", (long)MapFlags.Shared),
        Const("MAP_PRIVATE", (long)MapFlags.Private),
        Const("MAP_ANONYMOUS", (long)MapFlags.Anonymous),
        Const("MAP_NORESERVE", (long)MapFlags.NoReserve),
        Const("MAP_POPULATE", (long)MapFlags.Populate),
        Const("MADV_DONTNEED", (long)MemoryAdvice.DontNeed),
        Const("MADV_REMOVE", (long)MemoryAdvice.Remove),
        Const("MADV_HUGEPAGE", (long)MemoryAdvice.HugePage),
        Const("MADV_NOHUGEPAGE", (long)MemoryAdvice.NoHugePage),
        Const("MADV_COLLAPSE", (long)MemoryAdvice.Collapse, 25, "6.1 (glibc headers may lack it)"),
        Const("MFD_CLOEXEC", LibcConstants.MFD_CLOEXEC),
        Const("F_GETFD", LibcConstants.F_GETFD),
        Const("F_GETFL", LibcConstants.F_GETFL),
        Const("FD_CLOEXEC", LibcConstants.FD_CLOEXEC),
        Const("FALLOC_FL_KEEP_SIZE", FallocateFlags.KeepSize),
        Const("FALLOC_FL_PUNCH_HOLE", FallocateFlags.PunchHole),
        Const("FALLOC_FL_COLLAPSE_RANGE", FallocateFlags.CollapseRange),
        Const("FALLOC_FL_ZERO_RANGE", FallocateFlags.ZeroRange),
        Const("FALLOC_FL_INSERT_RANGE", FallocateFlags.InsertRange),
        Const("FALLOC_FL_UNSHARE_RANGE", FallocateFlags.UnshareRange),
        .. Enum.GetValues<Errno>().Select(e => Const(e.ToString(), (long)e)),
    ];

    private static Entry Size<T>(string cType, string? guard = null, long? spec = null, string? since = null)
        where T : unmanaged =>
        new($"sizeof({cType})", $"sizeof({cType})", sizeof(T), guard, spec, since);

    private static Entry Off<T>(string cType, string field, string? guard = null, long? spec = null, string? since = null) =>
        new($"offsetof({cType}, {field})", $"offsetof({cType}, {field})", Marshal.OffsetOf<T>(field), guard, spec, since);

    private static IEnumerable<Entry> Fields<T>(string cType, params string[] fields) => fields.Select(f => Off<T>(cType, f));

    private static Entry Union<T>(string member, string field, string? guard = null, long? spec = null, string? since = null) =>
        new($"offsetof(struct kvm_run, {member}.{field})", $"offsetof(struct kvm_run, {member}.{field})",
            KvmConstants.KVM_RUN_UNION_OFFSET + Marshal.OffsetOf<T>(field), guard, spec, since);

    private static Entry Ioctl(string name, uint value, long? spec = null, string? since = null) =>
        new(name, name, value, name, spec, since);

    private static Entry Const(string name, long value, long? spec = null, string? since = null) =>
        new(name, name, value, name, spec, since);
}
