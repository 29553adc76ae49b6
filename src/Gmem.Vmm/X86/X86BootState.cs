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
}
