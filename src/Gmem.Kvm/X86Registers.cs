namespace Gmem.Kvm;

/// <summary>The general-purpose registers of an x86-64 vCPU (<c>struct kvm_regs</c>): read, change, write back.</summary>
public struct X86Registers
{
    /// <summary>RAX.</summary>
    public ulong Rax;
    /// <summary>RBX.</summary>
    public ulong Rbx;
    /// <summary>RCX.</summary>
    public ulong Rcx;
    /// <summary>RDX.</summary>
    public ulong Rdx;
    /// <summary>RSI.</summary>
    public ulong Rsi;
    /// <summary>RDI.</summary>
    public ulong Rdi;
    /// <summary>RSP.</summary>
    public ulong Rsp;
    /// <summary>RBP.</summary>
    public ulong Rbp;
    /// <summary>R8.</summary>
    public ulong R8;
    /// <summary>R9.</summary>
    public ulong R9;
    /// <summary>R10.</summary>
    public ulong R10;
    /// <summary>R11.</summary>
    public ulong R11;
    /// <summary>R12.</summary>
    public ulong R12;
    /// <summary>R13.</summary>
    public ulong R13;
    /// <summary>R14.</summary>
    public ulong R14;
    /// <summary>R15.</summary>
    public ulong R15;
    /// <summary>RIP.</summary>
    public ulong Rip;
    /// <summary>RFLAGS (bit 1 is always set on x86; KVM keeps it).</summary>
    public ulong Rflags;
}
