namespace Gmem.Kvm;

/// <summary>A descriptor-table register, GDTR or IDTR (<c>struct kvm_dtable</c>).</summary>
public struct X86DescriptorTable
{
    /// <summary>Linear base address of the table.</summary>
    public ulong Base;
    /// <summary>Table limit (size in bytes minus one).</summary>
    public ushort Limit;
}
