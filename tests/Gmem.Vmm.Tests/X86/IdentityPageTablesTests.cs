using System.Buffers.Binary;
using Gmem.Vmm.X86;

namespace Gmem.Vmm.Tests.X86;

public class IdentityPageTablesTests
{
    [Fact]
    public void Write_OneGiB_Pml4PdptAndDirectoryChainTo2MiBLeaves()
    {
        var tables = new IdentityPageTables(new Gpa(0x1000), 1UL << 30, userAccessible: false);
        byte[] bytes = new byte[tables.SizeBytes];
        tables.Write(bytes);

        Assert.Equal(3, tables.TablePages);
        Assert.Equal(0x2000UL | 0x3, BinaryPrimitives.ReadUInt64LittleEndian(bytes));          // PML4[0] -> PDPT, P|RW
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));          // PML4[1] absent
        Assert.Equal(0x3000UL | 0x3, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x1000)));   // PDPT[0] -> PD, no PS (no 1 GiB page)
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x1008)));
        for (int i = 0; i < 512; i++)
        {
            ulong pde = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x2000 + (8 * i)));
            Assert.Equal(((ulong)i << 21) | 0x83, pde);   // 2 MiB page i, P|RW|PS
        }
    }

    [Fact]
    public void Write_UserAccessible_SetsUserBitAtEveryLevel()
    {
        var tables = new IdentityPageTables(new Gpa(0x1000), 1UL << 30, userAccessible: true);
        byte[] bytes = new byte[tables.SizeBytes];
        tables.Write(bytes);

        Gpa? target = tables.Translate(bytes, 0x12_3456, out X86PageFlags flags);

        Assert.Equal(new Gpa(0x12_3456), target);
        Assert.Equal(X86PageFlags.Present | X86PageFlags.Writable | X86PageFlags.User | X86PageFlags.PageSize, flags);
    }

    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0x1FF_FFFFUL)]
    [InlineData(0x1_0000_0000UL)]        // 4 GiB: scenario 49's page
    [InlineData(0x1_3FFF_FFFFUL)]        // last byte of the fifth GiB
    public void Translate_FiveGiB_EveryAddressMapsToItself(ulong linear)
    {
        var tables = new IdentityPageTables(new Gpa(0x1000), 5UL << 30, userAccessible: false);
        byte[] bytes = new byte[tables.SizeBytes];
        tables.Write(bytes);

        Assert.Equal(new Gpa(linear), tables.Translate(bytes, linear, out X86PageFlags flags));
        Assert.Equal(X86PageFlags.None, flags & X86PageFlags.User);
    }

    [Fact]
    public void Translate_PastMappedRange_NotPresent()
    {
        var tables = new IdentityPageTables(new Gpa(0x1000), 2UL << 30, userAccessible: false);
        byte[] bytes = new byte[tables.SizeBytes];
        tables.Write(bytes);

        Assert.Null(tables.Translate(bytes, 2UL << 30, out _));
        Assert.Null(tables.Translate(bytes, 1UL << 39, out _));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData((512UL << 30) + 1)]
    public void Constructor_BadSize_Throws(ulong bytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IdentityPageTables(new Gpa(0x1000), bytes, false));
    }

    [Fact]
    public void Constructor_UnalignedPml4_Throws()
    {
        Assert.Throws<ArgumentException>(() => new IdentityPageTables(new Gpa(0x1004), 1UL << 30, false));
    }

    [Fact]
    public void Entry_UnalignedTarget_Throws()
    {
        Assert.Throws<ArgumentException>(() => IdentityPageTables.Entry(new Gpa(0x1001), X86PageFlags.Present));
    }
}
