using System.CommandLine;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Scenarios;

namespace Gmem.Cli;

/// <summary><c>gmem map [SCENARIO]</c>: run a scenario, then draw the VM's guest physical memory.</summary>
internal static class MapCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("scenario")
        {
            Description = "The scenario whose VM to draw (examples/default.gmem when omitted).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var platform = PlatformOption.Create("Run on this platform instead of the one the scenario names.");
        var svg = new Option<FileInfo?>("--svg") { Description = "Write the picture to this SVG file (default: gmem-map.svg)." };
        var columns = new Option<int>("--columns")
        {
            Description = "Cells per row.",
            DefaultValueFactory = _ => 64,
        };
        var json = new Option<bool>("--json") { Description = "Print the ranges (start, length, kind, mapping bytes) as JSON instead of the terminal view." };
        var command = new Command("map", "Draw a VM's guest physical memory: private, shared, holes, and 4K/2M/1G mappings, as SVG and in the terminal.")
        {
            file, platform, svg, columns, json,
        };
        command.SetAction(result => Run(result.GetValue(file), result.GetValue(platform), result.GetValue(svg), result.GetValue(columns), result.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo? file, string? platformOption, FileInfo? svg, int columns, bool json)
    {
        if (columns is < 1 or > 512)
        {
            Console.Error.WriteLine($"gmem map: --columns must be between 1 and 512, not {columns}.");
            return 2;
        }
        if (!ScenarioFiles.TryRun("map", file, platformOption, out ScenarioResult? result, out int exitCode))
        {
            return exitCode;
        }
        string path = (svg ?? new FileInfo("gmem-map.svg")).FullName;
        File.WriteAllText(path, MemoryMapRenderer.RenderSvg(result.Map, $"{result.Scenario.Name} on {result.Platform}", columns));
        if (json)
        {
            var ranges = result.Map.Ranges.Select(r => new { start = r.Start.Value, length = r.Length, kind = r.Kind.ToString().ToLowerInvariant(), mappingBytes = r.MappingBytes });
            Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { platform = result.Platform, svg = path, ranges }, ScenarioJson.Options));
            return 0;
        }
        Console.Out.Write(MemoryMapRenderer.RenderText(result.Map, columns));
        Console.Out.WriteLine($"SVG written to {path}");
        return 0;
    }
}
