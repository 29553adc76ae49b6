using System.Text.Json;
using Gmem.TestSupport;

namespace Gmem.Cli.Tests;

/// <summary>End-to-end: the built gmem program's <c>run</c>, the main job.</summary>
public class RunCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

    internal static string Examples { get; } = FindExamples();

    public static TheoryData<string> ExampleFiles() => [.. Directory.GetFiles(Examples, "*.gmem").Select(f => Path.GetFileName(f))];

    private static string FindExamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "examples", "default.gmem")))
            {
                return Path.Combine(dir.FullName, "examples");
            }
        }
        throw new DirectoryNotFoundException("examples/ not found above the test binaries");
    }

    [KvmFact]
    public void Run_NoArguments_RunsDefaultScenarioAndPasses()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "run", "--platform", "kvm");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}; stdout: {output}");
        Assert.Contains("default", output, StringComparison.Ordinal);
        Assert.Contains("Expectations", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        Assert.EndsWith("passed", output.TrimEnd().Split('\n')[^1].Replace("\u001b[0m", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [KvmTheory]
    [MemberData(nameof(ExampleFiles))]
    public void Run_EveryExampleOnKvm_JsonSaysPassed(string file)
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "run", Path.Combine(Examples, file), "--platform", "kvm", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}; stdout: {output}");
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal("kvm", json.RootElement.GetProperty("platform").GetString());
        Assert.Equal("Halted", json.RootElement.GetProperty("outcome").GetString());
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.All(json.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean(), c.ToString()));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Run_EveryExampleOnReference_JsonSaysPassed(string file)
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "run", Path.Combine(Examples, file), "--platform", "reference", "--json");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}; stdout: {output}");
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal("reference", json.RootElement.GetProperty("platform").GetString());
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void Run_MalformedScenario_OneLineWithLineAndColumnAndExitCode2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gmem-bad-{Guid.NewGuid():N}.gmem");
        File.WriteAllText(path, "memory 4M\nmode secret\nguest\nhalt\n");
        try
        {
            (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "run", path);

            Assert.Equal(2, exitCode);
            Assert.Equal("", output);
            string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"{Path.GetFileName(path)}:2:6:", line, StringComparison.Ordinal);
            Assert.Contains("'secret' is not one of: private, shared", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_MissingFile_ClearErrorAndNonZeroExit()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "run", "/nonexistent/scenario.gmem");

        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/scenario.gmem", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownPlatform_NonZeroExitAndNamesTheChoices()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "run", "--platform", "hyperv");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("hyperv", error, StringComparison.Ordinal);
    }
}
