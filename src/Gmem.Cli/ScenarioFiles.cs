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
}
