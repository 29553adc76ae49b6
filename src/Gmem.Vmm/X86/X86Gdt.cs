using System.Buffers.Binary;

namespace Gmem.Vmm.X86;

/// <summary>
/// The GDT the boot helper puts in guest memory: flat kernel and user segments and one 64-bit TSS.
/// The user data segment comes before the user code segment (the order SYSRET expects).
/// </summary>
public static class X86Gdt
{
    /// <summary>Selector of the 64-bit kernel code segment.</summary>
    public const ushort KernelCode = 0x08;

    /// <summary>Selector of the kernel data segment.</summary>
    public const ushort KernelData = 0x10;

    /// <summary>Selector of the user data segment (RPL 3).</summary>
    public const ushort UserData = 0x18 | 3;

    /// <summary>Selector of the 64-bit user code segment (RPL 3).</summary>
    public const ushort UserCode = 0x20 | 3;

    /// <summary>Selector of the TSS (a 16-byte system descriptor, two slots).</summary>
    public const ushort Tss = 0x28;

    /// <summary>Bytes of the table: five 8-byte descriptors and the 16-byte TSS descriptor.</summary>
    public const int SizeBytes = 7 * 8;

    /// <summary>The descriptor <paramref name="selector"/> names (RPL ignored).</summary>
    public static X86SegmentDescriptor Descriptor(ushort selector, Gpa tss, uint tssLimit) => (selector & ~3) switch
    {
        KernelCode => X86SegmentDescriptor.Code64(0),
        KernelData => X86SegmentDescriptor.Data(0),
        UserData & ~3 => X86SegmentDescriptor.Data(3),
        UserCode & ~3 => X86SegmentDescriptor.Code64(3),
        Tss => X86SegmentDescriptor.Tss64(tss, tssLimit),
        _ => throw new ArgumentOutOfRangeException(nameof(selector), $"Selector 0x{selector:x} is not in the boot GDT."),
    };

    /// <summary>Writes the table into <paramref name="gdt"/> (at least <see cref="SizeBytes"/> long).</summary>
    public static void Write(Span<byte> gdt, Gpa tss, uint tssLimit)
    {
        if (gdt.Length < SizeBytes)
        {
            throw new ArgumentException($"The GDT needs {SizeBytes} bytes, got {gdt.Length}.", nameof(gdt));
        }
        gdt[..SizeBytes].Clear();
        foreach (ushort selector in (ReadOnlySpan<ushort>)[KernelCode, KernelData, UserData, UserCode])
        {
            BinaryPrimitives.WriteUInt64LittleEndian(gdt[(selector & ~3)..], Descriptor(selector, tss, tssLimit).Encode());
        }
        X86SegmentDescriptor tssDescriptor = Descriptor(Tss, tss, tssLimit);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[Tss..], tssDescriptor.Encode());
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(Tss + 8)..], tssDescriptor.EncodeUpper());
    }
}
