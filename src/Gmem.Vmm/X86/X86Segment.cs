namespace Gmem.Vmm.X86;

/// <summary>
/// A segment register as KVM loads it (<c>struct kvm_segment</c>): the selector plus the hidden part
/// the CPU caches from the descriptor.
/// </summary>
/// <param name="Base">Base address.</param>
/// <param name="Limit">Limit in bytes minus one (already scaled by G).</param>
/// <param name="Selector">The selector (GDT index × 8 | RPL).</param>
/// <param name="Type">The descriptor type.</param>
/// <param name="Present">P.</param>
/// <param name="Dpl">DPL.</param>
/// <param name="DefaultBig">D/B.</param>
/// <param name="IsCodeOrData">S.</param>
/// <param name="Long">L.</param>
/// <param name="Granularity">G.</param>
/// <param name="Unusable">Whether the register holds no usable segment (LDT here).</param>
public readonly record struct X86Segment(
    ulong Base, uint Limit, ushort Selector, byte Type, bool Present, byte Dpl, bool DefaultBig, bool IsCodeOrData, bool Long,
    bool Granularity, bool Unusable)
{
    /// <summary>The unusable null segment (an empty LDT).</summary>
    public static X86Segment UnusableNull { get; } = new(0, 0, 0, 0, false, 0, false, false, false, false, true);

    /// <summary>The register contents after loading <paramref name="selector"/> that names <paramref name="descriptor"/>.</summary>
    public static X86Segment Load(ushort selector, X86SegmentDescriptor descriptor)
    {
        // A TSS is marked busy when TR is loaded (LTR does this on hardware).
        byte type = !descriptor.IsCodeOrData && descriptor.Type == 0x9 ? (byte)0xB : descriptor.Type;
        return new X86Segment(descriptor.Base, descriptor.ByteLimit, selector, type, descriptor.Present, descriptor.Dpl,
            descriptor.DefaultBig, descriptor.IsCodeOrData, descriptor.Long, descriptor.Granularity, false);
    }
}
