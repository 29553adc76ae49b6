namespace Gmem.Kvm;

/// <summary>
/// The special registers of an x86-64 vCPU (<c>struct kvm_sregs</c>): segments, descriptor tables, control
/// registers, EFER. Read with <see cref="KvmVcpu.GetSpecialRegisters"/>, change, write back with
/// <see cref="KvmVcpu.SetSpecialRegisters"/>; the pending-interrupt bitmap read is written back unchanged.
/// </summary>
public struct X86SpecialRegisters
{
    /// <summary>CR0.PE: protected mode.</summary>
    public const ulong Cr0ProtectionEnable = 1UL << 0;
    /// <summary>CR0.PG: paging.</summary>
    public const ulong Cr0Paging = 1UL << 31;
    /// <summary>CR4.PAE.</summary>
    public const ulong Cr4Pae = 1UL << 5;
    /// <summary>EFER.LME: long mode enable.</summary>
    public const ulong EferLongModeEnable = 1UL << 8;
    /// <summary>EFER.LMA: long mode active.</summary>
    public const ulong EferLongModeActive = 1UL << 10;

    /// <summary>CS.</summary>
    public X86Segment Cs;
    /// <summary>DS.</summary>
    public X86Segment Ds;
    /// <summary>ES.</summary>
    public X86Segment Es;
    /// <summary>FS.</summary>
    public X86Segment Fs;
    /// <summary>GS.</summary>
    public X86Segment Gs;
    /// <summary>SS.</summary>
    public X86Segment Ss;
    /// <summary>The task register.</summary>
    public X86Segment Tr;
    /// <summary>The LDT register.</summary>
    public X86Segment Ldt;
    /// <summary>GDTR.</summary>
    public X86DescriptorTable Gdt;
    /// <summary>IDTR.</summary>
    public X86DescriptorTable Idt;
    /// <summary>CR0.</summary>
    public ulong Cr0;
    /// <summary>CR2.</summary>
    public ulong Cr2;
    /// <summary>CR3.</summary>
    public ulong Cr3;
    /// <summary>CR4.</summary>
    public ulong Cr4;
    /// <summary>CR8 (task priority).</summary>
    public ulong Cr8;
    /// <summary>EFER.</summary>
    public ulong Efer;
    /// <summary>The local APIC base MSR.</summary>
    public ulong ApicBase;

    // kvm_sregs.interrupt_bitmap, carried from Get to Set untouched.
    internal ulong InterruptBitmap0;
    internal ulong InterruptBitmap1;
    internal ulong InterruptBitmap2;
    internal ulong InterruptBitmap3;
}
