using System.Xml.Linq;
using Gmem.TestSupport;

namespace Gmem.Cli.Tests;

/// <summary>End-to-end: the built gmem program's <c>map</c>.</summary>
public class MapCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [KvmFact]
    public void Map_DefaultScenario_WritesValidSvgAndTerminalView()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"gmem-map-{Guid.NewGuid():N}.svg");
        try
        {
            (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "map", "--platform", "kvm", "--svg", svg, "--columns", "32");

            Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
            XDocument doc = XDocument.Load(svg);
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", doc.Root!.Name);
            Assert.Contains(doc.Descendants(ns + "rect"), r => (string?)r.Attribute("class") == "private");
            Assert.Contains(doc.Descendants(ns + "rect"), r => (string?)r.Attribute("class") == "shared");
            Assert.Contains("legend:", output, StringComparison.Ordinal);
            Assert.Contains($"SVG written to {svg}", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(svg);
        }
    }

    [Fact]
    public void Map_HugePagesOnReference_ShowsTwoMegabyteLeaves()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"gmem-map-{Guid.NewGuid():N}.svg");
        try
        {
            (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "map", Path.Combine(RunCommandTests.Examples, "huge-pages.gmem"),
                "--platform", "reference", "--svg", svg);

            Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
            Assert.Contains("PPPP", output, StringComparison.Ordinal);
            Assert.DoesNotContain("mapped at 4K 0, 2M 0,", output, StringComparison.Ordinal);
            Assert.Contains(XDocument.Load(svg).Descendants(XName.Get("rect", "http://www.w3.org/2000/svg")), r => (string?)r.Attribute("stroke") == "#f1c40f");
        }
        finally
        {
            File.Delete(svg);
        }
    }

    [Fact]
    public void Map_Json_RangesCoverGuestMemoryWithKinds()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"gmem-map-{Guid.NewGuid():N}.svg");
        try
        {
            (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "map", "--platform", "reference", "--svg", svg, "--json");

            Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
            using var json = System.Text.Json.JsonDocument.Parse(output);
            var ranges = json.RootElement.GetProperty("ranges").EnumerateArray().ToList();
            Assert.Equal(0UL, ranges[0].GetProperty("start").GetUInt64());
            Assert.Equal(4UL << 20, ranges.Aggregate(0UL, (sum, r) => sum + r.GetProperty("length").GetUInt64()));
            Assert.Contains(ranges, r => r.GetProperty("kind").GetString() == "shared");
            Assert.Contains(ranges, r => r.GetProperty("kind").GetString() == "private");
        }
        finally
        {
            File.Delete(svg);
        }
    }

    [Fact]
    public void Map_BadColumns_NonZeroExitAndSaysWhy()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "map", "--columns", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--columns", error, StringComparison.Ordinal);
    }
}
