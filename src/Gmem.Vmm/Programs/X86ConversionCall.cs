namespace Gmem.Vmm.Programs;

/// <summary>How x86-64 guest code asks the VMM for a conversion (MAP_GPA_RANGE).</summary>
public enum X86ConversionCall
{
    /// <summary>
    /// <c>VMCALL</c> with RAX = 12 (KVM_HC_MAP_GPA_RANGE), RBX = gpa, RCX = pages, RDX = attributes; the result
    /// comes back in RAX. KVM forwards it as a Hypercall exit once <c>KVM_CAP_EXIT_HYPERCALL</c> is enabled —
    /// but only from CPL0 (CPL3 gets -KVM_EPERM).
    /// </summary>
    Vmcall,

    /// <summary>
    /// A paravirtual port-I/O sequence that works at any privilege level: dword OUTs of the gpa's low and
    /// high halves, the page count and the attributes to <see cref="X86ProgramBackend.ConversionPort"/> + 0,
    /// 4, 8, 12 (the last one triggers the request), then a dword IN from + 16 that returns the result.
    /// <see cref="X86ConversionDecoder"/> turns the sequence into the same <see cref="VcpuExit.Hypercall"/>
    /// a VMCALL produces.
    /// </summary>
    PortIo,
}
