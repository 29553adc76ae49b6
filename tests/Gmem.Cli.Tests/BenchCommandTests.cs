using System.Text.Json;
using Gmem.TestSupport;

namespace Gmem.Cli.Tests;

/// <summary>End-to-end: the built gmem program's <c>bench</c>. Times are printed, never asserted.</summary>
public class BenchCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    [KvmFact]
    public void Bench_Json_BothMeasurementsWithBothSides()
    {
        string svg = Path.Combine(Path.GetTempPath(), $"gmem-bench-{Guid.NewGuid():N}.svg");
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "bench", "--json", "--rounds", "3", "--reference-rounds", "1", "--svg", svg);

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] comparisons = [.. json.RootElement.GetProperty("comparisons").EnumerateArray()];
        foreach (string issue in new[] { "#3", "#4" })
        {
            Assert.Contains(comparisons, c => c.GetProperty("issue").GetString() == issue && c.GetProperty("ratio").GetDouble() > 0);
        }
        var chart = System.Xml.Linq.XDocument.Load(svg);
        File.Delete(svg);
        Assert.Equal(comparisons.Length, chart.Descendants(System.Xml.Linq.XName.Get("rect", "http://www.w3.org/2000/svg")).Count());
        JsonElement kvm = json.RootElement.GetProperty("kvm");
        foreach (string name in new[] { "portIoExit", "startToHlt" })
        {
            JsonElement pair = kvm.GetProperty(name);
            Assert.True(pair.GetProperty("cSharpNanoseconds").GetDouble() > 0, $"{name}: no C# measurement");
            Skip.If(kvm.GetProperty("baselineUnavailableReason").ValueKind == JsonValueKind.String,
                $"The C baseline cannot run here: {kvm.GetProperty("baselineUnavailableReason").GetString()}");
            Assert.True(pair.GetProperty("cNanoseconds").GetDouble() > 0, $"{name}: no C measurement");
            Assert.True(pair.GetProperty("ratio").GetDouble() > 0, $"{name}: no ratio");
        }
    }

    [Fact]
    public void Bench_ZeroRounds_NonZeroExitAndSaysWhy()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "bench", "--rounds", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--rounds", error, StringComparison.Ordinal);
    }
}
