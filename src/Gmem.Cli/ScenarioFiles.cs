using System.Diagnostics.CodeAnalysis;
using Gmem.Vmm.Scenarios;

namespace Gmem.Cli;

/// <summary>Finds the scenario files that ship with gmem.</summary>
internal static class ScenarioFiles
{
    /// <summary>The <c>examples/</c> folder: next to the binary (published), or in the source tree above it.</summary>
    public static string? ExamplesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "examples");
            if (File.Exists(Path.Combine(candidate, "default.gmem")))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The path of <c>examples/default.gmem</c>.</summary>
    /// <exception cref="FileNotFoundException">The examples are not installed next to gmem.</exception>
    public static string Default() =>
        Path.Combine(ExamplesDirectory() ?? throw new FileNotFoundException("examples/default.gmem was not found next to gmem; give a scenario file."), "default.gmem");

    /// <summary>
    /// Reads the scenario (the default one when <paramref name="file"/> is null), applies <c>--platform</c> and
    /// runs it. Errors become one line on stderr: exit code 2 for a bad file, 1 when the platform refused.
    /// </summary>
    public static bool TryRun(string command, FileInfo? file, string? platformOption, [NotNullWhen(true)] out ScenarioResult? result, out int exitCode)
    {
        result = null;
        Scenario scenario;
        try
        {
            scenario = ScenarioParser.ParseFile(file?.FullName ?? Default());
        }
        catch (Exception e) when (e is ScenarioSyntaxException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"gmem {command}: {e.Message}");
            exitCode = 2;
            return false;
        }
        scenario = scenario with { Platform = PlatformOption.Resolve(platformOption, scenario.Platform) };
        try
        {
            result = ScenarioRunner.Run(scenario);
            exitCode = 0;
            return true;
        }
        catch (Exception e) when (e is GmemException or NotSupportedException)
        {
            Console.Error.WriteLine($"gmem {command}: {scenario.Name} on {scenario.Platform.ToString().ToLowerInvariant()}: {e.Message}");
            exitCode = 1;
            return false;
        }
    }
}
