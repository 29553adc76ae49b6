namespace Gmem.Tests;

public class AddressTests
{
    [Fact]
    public void Gpa_GfnRoundTrip_DropsOffsetBits()
    {
        var gpa = new Gpa(0x1_0000_0123);

        Assert.Equal(new Gfn(0x10_0000), gpa.Gfn);
        Assert.Equal(new Gpa(0x1_0000_0000), gpa.Gfn.Gpa);
        Assert.False(gpa.IsPageAligned);
        Assert.True(gpa.Gfn.Gpa.IsPageAligned);
    }

    [Fact]
    public void Gpa_AlignDown_ToTwoMegabytes()
    {
        Assert.Equal(new Gpa(0x20_0000), new Gpa(0x3f_f000).AlignDown((ulong)Page.Size2M));
        Assert.True(new Gpa(0x40_0000).IsAligned((ulong)Page.Size2M));
    }

    [Fact]
    public void PageIndex_FromOffset_RoundsDown()
    {
        Assert.Equal(new PageIndex(2), PageIndex.FromOffset(2 * Page.Size + 17));
        Assert.Equal(3L * Page.Size, new PageIndex(3).Offset);
    }

    [Fact]
    public void Page_CountPages_RoundsUp()
    {
        Assert.Equal(0UL, Page.CountPages(0));
        Assert.Equal(1UL, Page.CountPages(1));
        Assert.Equal(2UL, Page.CountPages(Page.Size + 1));
    }

    [Fact]
    public void IoExit_Value_IsLittleEndianOverSize()
    {
        var io = new VcpuExit.Io(IoDirection.In, 0x3f8, 2, 1, new byte[2]);

        io.Value = 0xBEEF;

        Assert.Equal(new byte[] { 0xEF, 0xBE }, io.Data);
        Assert.Equal(0xBEEFu, io.Value);
    }

    [Fact]
    public void FallocateFlags_ToRaw_MatchesKernelBits()
    {
        Assert.Equal(0x01, FallocateFlags.ToRaw(FallocateMode.Allocate));
        Assert.Equal(0x03, FallocateFlags.ToRaw(FallocateMode.PunchHole));
    }
}
