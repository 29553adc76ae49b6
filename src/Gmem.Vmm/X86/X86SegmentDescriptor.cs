using Gmem.Kvm;

namespace Gmem.Vmm.X86;

/// <summary>
/// An 8-byte x86 segment descriptor as it sits in the GDT (code/data), or the first half of a 16-byte
/// system descriptor (TSS) in long mode. Field names follow the Intel SDM.
/// </summary>
/// <param name="Base">Segment base (bits 31:0 in an 8-byte descriptor; a 16-byte system descriptor adds 63:32).</param>
/// <param name="Limit">Segment limit (20 bits; in pages when <paramref name="Granularity"/> is set).</param>
/// <param name="Type">The 4-bit type (code: 0xA/0xB execute-read; data: 0x2/0x3 read-write; TSS: 0x9 available, 0xB busy).</param>
/// <param name="IsCodeOrData">S: 1 for code/data, 0 for system descriptors.</param>
/// <param name="Dpl">Descriptor privilege level 0–3.</param>
/// <param name="Present">P.</param>
/// <param name="Long">L: 64-bit code segment.</param>
/// <param name="DefaultBig">D/B: 32-bit default operand size (must be 0 when <paramref name="Long"/>).</param>
/// <param name="Granularity">G: the limit counts 4 KiB units.</param>
public readonly record struct X86SegmentDescriptor(
    ulong Base, uint Limit, byte Type, bool IsCodeOrData, byte Dpl, bool Present, bool Long, bool DefaultBig, bool Granularity)
{
    /// <summary>A flat 64-bit code segment at <paramref name="dpl"/> (execute/read, accessed).</summary>
    public static X86SegmentDescriptor Code64(byte dpl) => new(0, 0xFFFFF, 0xB, true, dpl, true, true, false, true);

    /// <summary>A flat read/write data segment at <paramref name="dpl"/> (accessed).</summary>
    public static X86SegmentDescriptor Data(byte dpl) => new(0, 0xFFFFF, 0x3, true, dpl, true, false, true, true);

    /// <summary>An available 64-bit TSS at <paramref name="tss"/> with byte limit <paramref name="limit"/>.</summary>
    public static X86SegmentDescriptor Tss64(Gpa tss, uint limit) => new(tss.Value, limit, 0x9, false, 0, true, false, false, false);

    /// <summary>The effective limit in bytes minus one (the limit scaled by the granularity).</summary>
    public uint ByteLimit => Granularity ? (Limit << 12) | 0xFFF : Limit;

    /// <summary>The access byte (bits 47:40): P, DPL, S, type.</summary>
    public byte AccessByte => (byte)((Present ? 0x80 : 0) | ((Dpl & 3) << 5) | (IsCodeOrData ? 0x10 : 0) | (Type & 0xF));

    /// <summary>
    /// The segment register contents after loading <paramref name="selector"/>, which names this descriptor
    /// (what KVM_SET_SREGS takes). A TSS becomes busy, as LTR makes it.
    /// </summary>
    public X86Segment ToSegment(ushort selector) => new()
    {
        Base = Base,
        Limit = ByteLimit,
        Selector = selector,
        Type = !IsCodeOrData && Type == 0x9 ? (byte)0xB : Type,
        Present = Present,
        Dpl = Dpl,
        Db = DefaultBig,
        S = IsCodeOrData,
        L = Long,
        G = Granularity,
    };

    /// <summary>The 8-byte encoding (bits 63:32 of the base are not part of it).</summary>
    public ulong Encode()
    {
        if (Limit > 0xFFFFF)
        {
            throw new InvalidOperationException($"Segment limit 0x{Limit:x} does not fit in 20 bits.");
        }
        if (Long && DefaultBig)
        {
            throw new InvalidOperationException("A 64-bit code segment must have D/B = 0.");
        }
        ulong flags = (Long ? 0x2UL : 0) | (DefaultBig ? 0x4UL : 0) | (Granularity ? 0x8UL : 0);
        return (Limit & 0xFFFFUL)
            | ((Base & 0xFF_FFFFUL) << 16)
            | ((ulong)AccessByte << 40)
            | (((ulong)Limit >> 16 & 0xF) << 48)
            | (flags << 52)
            | (((Base >> 24) & 0xFF) << 56);
    }

    /// <summary>The second 8 bytes of a 16-byte long-mode system descriptor (base bits 63:32).</summary>
    public ulong EncodeUpper() => Base >> 32;

    /// <summary>Decodes an 8-byte descriptor (and, for a system descriptor, its upper half).</summary>
    public static X86SegmentDescriptor Decode(ulong value, ulong upper = 0)
    {
        byte access = (byte)(value >> 40);
        byte flags = (byte)((value >> 52) & 0xF);
        bool isCodeOrData = (access & 0x10) != 0;
        ulong baseAddress = ((value >> 16) & 0xFF_FFFF) | (((value >> 56) & 0xFF) << 24) | (isCodeOrData ? 0 : upper << 32);
        uint limit = (uint)((value & 0xFFFF) | (((value >> 48) & 0xF) << 16));
        return new X86SegmentDescriptor(baseAddress, limit, (byte)(access & 0xF), isCodeOrData, (byte)((access >> 5) & 3),
            (access & 0x80) != 0, (flags & 0x2) != 0, (flags & 0x4) != 0, (flags & 0x8) != 0);
    }
}
