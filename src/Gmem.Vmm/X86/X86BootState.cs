using Gmem.Kvm;

namespace Gmem.Vmm.X86;

/// <summary>
/// The vCPU state that starts a guest in 64-bit long mode: control registers, EFER, segments, descriptor
/// tables and the instruction/stack pointers. Loaded through the vCPU's special and general registers.
/// </summary>
public sealed record X86BootState
{
    /// <summary>CR0.PE: protected mode.</summary>
    public const ulong Cr0Pe = 1UL << 0;
    /// <summary>CR0.MP.</summary>
    public const ulong Cr0Mp = 1UL << 1;
    /// <summary>CR0.ET.</summary>
    public const ulong Cr0Et = 1UL << 4;
    /// <summary>CR0.NE: native FPU errors.</summary>
    public const ulong Cr0Ne = 1UL << 5;
    /// <summary>CR0.WP: supervisor writes honour read-only pages.</summary>
    public const ulong Cr0Wp = 1UL << 16;
    /// <summary>CR0.AM.</summary>
    public const ulong Cr0Am = 1UL << 18;
    /// <summary>CR0.PG: paging.</summary>
    public const ulong Cr0Pg = 1UL << 31;
    /// <summary>CR4.PAE: required for long mode.</summary>
    public const ulong Cr4Pae = 1UL << 5;
    /// <summary>EFER.LME: long mode enable.</summary>
    public const ulong EferLme = 1UL << 8;
    /// <summary>EFER.LMA: long mode active.</summary>
    public const ulong EferLma = 1UL << 10;
    /// <summary>RFLAGS bit 1 (always set).</summary>
    public const ulong RflagsFixed = 1UL << 1;
    /// <summary>RFLAGS.IOPL = 3.</summary>
    public const ulong RflagsIopl3 = 3UL << 12;

    /// <summary>CR0.</summary>
    public ulong Cr0 { get; init; }
    /// <summary>CR3: the PML4.</summary>
    public ulong Cr3 { get; init; }
    /// <summary>CR4.</summary>
    public ulong Cr4 { get; init; }
    /// <summary>EFER.</summary>
    public ulong Efer { get; init; }
    /// <summary>CS.</summary>
    public X86Segment Cs { get; init; }
    /// <summary>DS.</summary>
    public X86Segment Ds { get; init; }
    /// <summary>ES.</summary>
    public X86Segment Es { get; init; }
    /// <summary>FS.</summary>
    public X86Segment Fs { get; init; }
    /// <summary>GS.</summary>
    public X86Segment Gs { get; init; }
    /// <summary>SS.</summary>
    public X86Segment Ss { get; init; }
    /// <summary>TR: the TSS.</summary>
    public X86Segment Tr { get; init; }
    /// <summary>LDTR (unusable: no LDT).</summary>
    public X86Segment Ldt { get; init; }
    /// <summary>GDTR base.</summary>
    public ulong GdtBase { get; init; }
    /// <summary>GDTR limit.</summary>
    public ushort GdtLimit { get; init; }
    /// <summary>IDTR base.</summary>
    public ulong IdtBase { get; init; }
    /// <summary>IDTR limit.</summary>
    public ushort IdtLimit { get; init; }
    /// <summary>RIP at the first KVM_RUN.</summary>
    public ulong Rip { get; init; }
    /// <summary>RSP at the first KVM_RUN.</summary>
    public ulong Rsp { get; init; }
    /// <summary>RFLAGS at the first KVM_RUN.</summary>
    public ulong Rflags { get; init; }

    /// <summary>
    /// Loads the state into <paramref name="vcpu"/>: KVM_GET_SREGS, the fields above, KVM_SET_SREGS (the
    /// pending-interrupt bitmap and APIC base stay as read), then KVM_SET_REGS with RIP, RSP and RFLAGS and
    /// every other general register zero. The vCPU's CPUID must already allow long mode
    /// (<see cref="KvmVcpu.SetupCpuid"/>), or KVM refuses EFER.LME with EINVAL.
    /// </summary>
    /// <exception cref="GmemException">The kernel refused a register ioctl.</exception>
    public void ApplyTo(KvmVcpu vcpu)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        X86SpecialRegisters sregs = vcpu.GetSpecialRegisters();
        sregs.Cr0 = Cr0;
        sregs.Cr3 = Cr3;
        sregs.Cr4 = Cr4;
        sregs.Efer = Efer;
        sregs.Cs = Cs;
        sregs.Ds = Ds;
        sregs.Es = Es;
        sregs.Fs = Fs;
        sregs.Gs = Gs;
        sregs.Ss = Ss;
        sregs.Tr = Tr;
        sregs.Ldt = Ldt;
        sregs.Gdt = new X86DescriptorTable { Base = GdtBase, Limit = GdtLimit };
        sregs.Idt = new X86DescriptorTable { Base = IdtBase, Limit = IdtLimit };
        vcpu.SetSpecialRegisters(sregs);
        vcpu.SetRegisters(new X86Registers { Rip = Rip, Rsp = Rsp, Rflags = Rflags });
    }
}
