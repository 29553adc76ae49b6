using System.Buffers.Binary;
using Gmem.Vmm.X86;

namespace Gmem.Vmm.Tests.X86;

public class X86SegmentDescriptorTests
{
    // The classic flat descriptors (Linux's GDT_ENTRY_KERNEL_CS etc.), accessed bit set.
    [Theory]
    [InlineData(0, true, 0x00AF9B000000FFFFUL)]
    [InlineData(0, false, 0x00CF93000000FFFFUL)]
    [InlineData(3, true, 0x00AFFB000000FFFFUL)]
    [InlineData(3, false, 0x00CFF3000000FFFFUL)]
    public void Encode_FlatSegments_MatchKnownValues(byte dpl, bool code, ulong expected)
    {
        X86SegmentDescriptor descriptor = code ? X86SegmentDescriptor.Code64(dpl) : X86SegmentDescriptor.Data(dpl);

        Assert.Equal(expected, descriptor.Encode());
        Assert.Equal(descriptor, X86SegmentDescriptor.Decode(expected));
    }

    [Fact]
    public void Encode_Tss64_SplitsBaseOverBothHalves()
    {
        var descriptor = X86SegmentDescriptor.Tss64(new Gpa(0x12_3456_7890), 0x2068);

        ulong low = descriptor.Encode();
        ulong high = descriptor.EncodeUpper();

        Assert.Equal(0x2068UL, low & 0xFFFF);
        Assert.Equal(0x56_7890UL, (low >> 16) & 0xFF_FFFF);
        Assert.Equal(0x89UL, (low >> 40) & 0xFF);         // present, DPL0, system, type 9 (available 64-bit TSS)
        Assert.Equal(0x34UL, low >> 56);
        Assert.Equal(0x12UL, high);
        Assert.Equal(descriptor, X86SegmentDescriptor.Decode(low, high));
    }

    [Fact]
    public void Encode_LongWithDefaultBig_Throws()
    {
        var bad = X86SegmentDescriptor.Code64(0) with { DefaultBig = true };
        Assert.Throws<InvalidOperationException>(() => bad.Encode());
    }

    [Fact]
    public void GdtWrite_EverySelector_DecodesToItsDescriptor()
    {
        byte[] gdt = new byte[X86Gdt.SizeBytes];
        var tss = new Gpa(0x10000);
        X86Gdt.Write(gdt, tss, X86Tss.Limit);

        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(gdt));   // the null descriptor
        foreach (ushort selector in new[] { X86Gdt.KernelCode, X86Gdt.KernelData, X86Gdt.UserData, X86Gdt.UserCode })
        {
            ulong raw = BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(selector & ~3));
            X86SegmentDescriptor decoded = X86SegmentDescriptor.Decode(raw);
            Assert.Equal(X86Gdt.Descriptor(selector, tss, X86Tss.Limit), decoded);
            Assert.Equal(selector & 3, decoded.Dpl);   // each RPL matches its DPL
        }
        X86SegmentDescriptor tssDescriptor = X86SegmentDescriptor.Decode(
            BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(X86Gdt.Tss)), BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(X86Gdt.Tss + 8)));
        Assert.Equal(tss.Value, tssDescriptor.Base);
        Assert.Equal(X86Tss.Limit, tssDescriptor.ByteLimit);
    }

    [Fact]
    public void IdtGate_RoundTripsHandlerAndAttributes()
    {
        byte[] idt = new byte[256 * X86Idt.GateBytes];
        X86Idt.WriteGate(idt, 0x80, 0xFFFF_8000_1234_5678, X86Gdt.KernelCode, dpl: 3);

        Assert.Equal(0xFFFF_8000_1234_5678UL, X86Idt.ReadHandler(idt, 0x80));
        ulong low = BinaryPrimitives.ReadUInt64LittleEndian(idt.AsSpan(0x80 * 16));
        Assert.Equal((ulong)X86Gdt.KernelCode, (low >> 16) & 0xFFFF);
        Assert.Equal(0xEEUL, (low >> 40) & 0xFF);   // present, DPL3, interrupt gate
        Assert.Equal(0UL, X86Idt.ReadHandler(idt, 0x7F));
    }

    [Fact]
    public void TssWrite_Rsp0AndOpenIoBitmap()
    {
        byte[] tss = Enumerable.Repeat((byte)0x5A, X86Tss.SizeBytes).ToArray();
        X86Tss.Write(tss, 0x10000);

        Assert.Equal(0x10000UL, BinaryPrimitives.ReadUInt64LittleEndian(tss.AsSpan(X86Tss.Rsp0Offset)));
        Assert.Equal(X86Tss.HeaderBytes, BinaryPrimitives.ReadUInt16LittleEndian(tss.AsSpan(X86Tss.IoMapBaseOffset)));
        Assert.All(tss.AsSpan(X86Tss.HeaderBytes, X86Tss.IoBitmapBytes).ToArray(), b => Assert.Equal(0, b));   // every port allowed
        Assert.Equal(0xFF, tss[^1]);
    }
}
