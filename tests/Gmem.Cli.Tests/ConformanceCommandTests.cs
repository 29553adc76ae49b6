using System.Text.Json;
using Gmem.TestSupport;

namespace Gmem.Cli.Tests;

/// <summary>End-to-end: the built gmem program's <c>conformance</c>.</summary>
public class ConformanceCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    [KvmFact]
    public void Conformance_Kvm_EveryCaseAsTheSpecOrAKnownKernelDifference()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "conformance", "--platform", "kvm", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] outcomes = [.. json.RootElement.GetProperty("outcomes").EnumerateArray()];
        Assert.True(outcomes.Length >= 50, $"only {outcomes.Length} outcomes");
        Assert.All(outcomes, o => Assert.True(
            o.GetProperty("matchesSpec").GetBoolean() || o.GetProperty("knownDifference").GetBoolean() || o.GetProperty("skipped").GetBoolean(),
            o.ToString()));
        Assert.Contains(outcomes, o => o.GetProperty("id").GetString() == "42" && o.GetProperty("knownDifference").GetBoolean());
    }

    [KvmFact]
    public void Conformance_Both_TablesPerPlatformAndOnlyTheKnownDifferences()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "conformance", "--platform", "both");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        Assert.Contains("kvm: spec", output, StringComparison.Ordinal);
        Assert.Contains("reference: spec", output, StringComparison.Ordinal);
        Assert.Contains("2 difference(s) where both platforms ran", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Conformance_Reference_EveryCaseAsTheSpecSays()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "conformance", "--platform", "reference", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] outcomes = [.. json.RootElement.GetProperty("outcomes").EnumerateArray()];
        Assert.All(outcomes, o => Assert.True(o.GetProperty("matchesSpec").GetBoolean() || o.GetProperty("skipped").GetBoolean(), o.ToString()));
        // The default Reference keeps attributes per VM, so only the in-place scenarios (§4.8) are skipped.
        Assert.Equal(["63", "64", "65", "66", "68"], outcomes.Where(o => o.GetProperty("skipped").GetBoolean()).Select(o => o.GetProperty("id").GetString()));
    }

    [Fact]
    public void Conformance_ReferencePerFile_InPlaceScenariosRunAndMatch()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "conformance", "--platform", "reference", "--attribute-model", "per-file", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] inPlace = [.. json.RootElement.GetProperty("outcomes").EnumerateArray().Where(o => o.GetProperty("section").GetString() == "4.8")];
        Assert.Equal(5, inPlace.Length);
        Assert.All(inPlace, o => Assert.True(o.GetProperty("matchesSpec").GetBoolean(), o.ToString()));
    }

    [Fact]
    public void Conformance_UnknownPlatform_NonZeroExit()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "conformance", "--platform", "xen");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("xen", error, StringComparison.Ordinal);
    }
}
