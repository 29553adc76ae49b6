namespace Gmem.Kvm;

/// <summary>One CPUID leaf as KVM describes it (<c>struct kvm_cpuid_entry2</c>).</summary>
/// <param name="Function">The leaf (EAX input).</param>
/// <param name="Index">The sub-leaf (ECX input), when <see cref="Flags"/> says it is significant.</param>
/// <param name="Flags">KVM_CPUID_FLAG_* (bit 0 = the index is significant).</param>
/// <param name="Eax">EAX output.</param>
/// <param name="Ebx">EBX output.</param>
/// <param name="Ecx">ECX output.</param>
/// <param name="Edx">EDX output.</param>
public record struct X86CpuidEntry(uint Function, uint Index, uint Flags, uint Eax, uint Ebx, uint Ecx, uint Edx)
{
    /// <summary>Leaf 0x8000_0001: extended processor features.</summary>
    public const uint ExtendedFeaturesLeaf = 0x8000_0001;

    /// <summary>EDX bit 29 of leaf 0x8000_0001: long mode (LM).</summary>
    public const uint LongModeBit = 1u << 29;
}
