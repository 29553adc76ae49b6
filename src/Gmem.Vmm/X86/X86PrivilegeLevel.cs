namespace Gmem.Vmm.X86;

/// <summary>
/// The privilege level guest code runs at. On the PVM host the two differ in more than protection
/// (spec §7): CPL0 code runs in KVM's instruction emulator and reaches gmem-only slots through the host
/// mapping at <c>userspace_addr</c>; CPL3 code runs natively and faults through guest_memfd directly.
/// </summary>
public enum X86PrivilegeLevel
{
    /// <summary>CPL0: the guest code is the kernel; it ends with HLT.</summary>
    Kernel = 0,

    /// <summary>
    /// CPL3: a CPL0 stub enters the code with IRETQ; port I/O is allowed by the TSS I/O bitmap; the code
    /// ends with HLT, which faults (#GP) into a CPL0 handler that halts.
    /// </summary>
    User = 3,
}
