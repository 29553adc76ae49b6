namespace Gmem.Kvm;

/// <summary>A segment register as KVM describes it (<c>struct kvm_segment</c>): the hidden descriptor cache included.</summary>
public struct X86Segment
{
    /// <summary>Segment base address.</summary>
    public ulong Base;
    /// <summary>Segment limit in bytes (already scaled by granularity).</summary>
    public uint Limit;
    /// <summary>The selector.</summary>
    public ushort Selector;
    /// <summary>Descriptor type (e.g. 0xB = execute/read accessed code, 0x3 = read/write accessed data, 0xB = busy 64-bit TSS).</summary>
    public byte Type;
    /// <summary>Present bit.</summary>
    public bool Present;
    /// <summary>Descriptor privilege level (0–3).</summary>
    public byte Dpl;
    /// <summary>Default operation size (D/B bit): 32-bit when set.</summary>
    public bool Db;
    /// <summary>Descriptor type bit: code/data when set, system when clear.</summary>
    public bool S;
    /// <summary>Long-mode (64-bit code) bit.</summary>
    public bool L;
    /// <summary>Granularity bit.</summary>
    public bool G;
    /// <summary>Available-for-software bit.</summary>
    public bool Avl;
    /// <summary>KVM's "unusable" marker (a null selector in protected mode).</summary>
    public bool Unusable;
}
