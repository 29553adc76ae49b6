using System.Runtime.InteropServices;

namespace Gmem.Kvm.Interop;

// x86 register structs of <asm/kvm.h>, blittable, padding as named fields.

/// <summary><c>struct kvm_regs</c> (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_regs
{
    public ulong rax, rbx, rcx, rdx;
    public ulong rsi, rdi, rsp, rbp;
    public ulong r8, r9, r10, r11;
    public ulong r12, r13, r14, r15;
    public ulong rip, rflags;
}

/// <summary><c>struct kvm_segment</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_segment
{
    public ulong @base;
    public uint limit;
    public ushort selector;
    public byte type;
    public byte present, dpl, db, s, l, g, avl;
    public byte unusable;
    public byte padding;
}

/// <summary><c>struct kvm_dtable</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_dtable
{
    public ulong @base;
    public ushort limit;
    public fixed ushort padding[3];
}

/// <summary><c>struct kvm_sregs</c> (312 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_sregs
{
    public kvm_segment cs, ds, es, fs, gs, ss;
    public kvm_segment tr, ldt;
    public kvm_dtable gdt, idt;
    public ulong cr0, cr2, cr3, cr4, cr8;
    public ulong efer;
    public ulong apic_base;
    public fixed ulong interrupt_bitmap[(KvmConstants.KVM_NR_INTERRUPTS + 63) / 64];
}

/// <summary><c>struct kvm_cpuid_entry2</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_cpuid_entry2
{
    public uint function;
    public uint index;
    public uint flags;
    public uint eax, ebx, ecx, edx;
    public fixed uint padding[3];
}

/// <summary><c>struct kvm_cpuid2</c> header (8 bytes); <c>nent</c> entries follow it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_cpuid2
{
    public uint nent;
    public uint padding;
}
