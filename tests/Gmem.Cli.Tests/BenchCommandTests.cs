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
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "bench", "--json", "--rounds", "3");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        foreach (string name in new[] { "portIoExit", "startToHlt" })
        {
            JsonElement pair = json.RootElement.GetProperty(name);
            Assert.True(pair.GetProperty("cSharpNanoseconds").GetDouble() > 0, $"{name}: no C# measurement");
            Skip.If(json.RootElement.GetProperty("baselineUnavailableReason").ValueKind == JsonValueKind.String,
                $"The C baseline cannot run here: {json.RootElement.GetProperty("baselineUnavailableReason").GetString()}");
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
