using System.Xml.Linq;
using Gmem.Vmm.Maps;

namespace Gmem.Vmm.Tests.Maps;

public class MemoryMapRendererTests
{
    private static readonly GuestMemoryMap s_map = new(
    [
        new MemoryMapRange(new Gpa(0x20_0000), 0x20_0000, MemoryKind.Shared, Page.Size),
        new MemoryMapRange(new Gpa(0), 0x20_0000, MemoryKind.Private, (ulong)Page.Size2M),
        new MemoryMapRange(new Gpa(0x60_0000), 0x20_0000, MemoryKind.Private, 0),
    ]);

    [Fact]
    public void Constructor_Gaps_BecomeHoles()
    {
        Assert.Equal(4, s_map.Ranges.Count);
        Assert.Equal(new MemoryMapRange(new Gpa(0x40_0000), 0x20_0000, MemoryKind.Hole, 0), s_map.Ranges[2]);
        Assert.Equal(0x40_0000UL, s_map.BytesOf(MemoryKind.Private));
        Assert.Equal(0x20_0000UL, s_map.BytesMappedAt((ulong)Page.Size2M));
        Assert.Equal(MemoryKind.Shared, s_map.Find(new Gpa(0x3f_ffff))?.Kind);
        Assert.Null(s_map.Find(new Gpa(0x80_0000)));
    }

    [Fact]
    public void Constructor_Overlap_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new GuestMemoryMap(
        [
            new MemoryMapRange(new Gpa(0), 0x2000, MemoryKind.Private, 0),
            new MemoryMapRange(new Gpa(0x1000), 0x1000, MemoryKind.Shared, 0),
        ]));
        Assert.Contains("overlaps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderSvg_IsWellFormedWithOneRectPerCellPlusLegend()
    {
        string svg = MemoryMapRenderer.RenderSvg(s_map, "test", columns: 16, maxRows: 8);

        XDocument doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", doc.Root!.Name);
        var rects = doc.Descendants(ns + "rect").ToList();
        // 8 MiB in at most 16 × 8 cells → 64 KiB cells → 128 cells, plus 5 legend cells.
        Assert.Equal(128 + 5, rects.Count);
        Assert.Equal(32 + 1 + 32 + 2, rects.Count(r => (string?)r.Attribute("class") == "private"));
        Assert.Equal(32 + 1, rects.Count(r => (string?)r.Attribute("class") == "shared"));
    }

    [Fact]
    public void RenderText_ShowsKindAndLevelPerCell()
    {
        string text = MemoryMapRenderer.RenderText(s_map, columns: 4, maxRows: 1);

        string[] lines = text.Split('\n');
        Assert.Contains("one cell = 2M", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(" Ps.p", lines[1], StringComparison.Ordinal);
        Assert.Contains("private 4M, shared 2M", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(4096UL, "4K")]
    [InlineData(3UL << 20, "3M")]
    [InlineData(1UL << 30, "1G")]
    [InlineData(1000UL, "1000")]
    public void FormatBytes_LargestExactUnit(ulong bytes, string expected) =>
        Assert.Equal(expected, MemoryMapRenderer.FormatBytes(bytes));
}
