using System.CommandLine;
using System.Text.Json;
using Gmem.Vmm.Scenarios;
using Spectre.Console;

namespace Gmem.Cli;

/// <summary><c>gmem run [SCENARIO]</c>: the main job — run a scenario file and show what happened.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("scenario")
        {
            Description = "A scenario file (docs/scenarios.md); examples/default.gmem when omitted.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var platform = PlatformOption.Create("Run on this platform instead of the one the scenario names.");
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("run", "Run a scenario: build the VM, run the guest program, check the expectations.") { file, platform, json };
        command.SetAction(result => Run(result.GetValue(file), result.GetValue(platform), result.GetValue(json)));
        return command;
    }

    private static int Run(FileInfo? file, string? platformOption, bool json)
    {
        if (!ScenarioFiles.TryRun("run", file, platformOption, out ScenarioResult? result, out int exitCode))
        {
            return exitCode;
        }
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(ScenarioJson.From(result), ScenarioJson.Options));
        }
        else
        {
            Render(result);
        }
        return result.Passed ? 0 : 1;
    }

    private static void Render(ScenarioResult result)
    {
        IAnsiConsole console = AnsiConsole.Console;
        Scenario s = result.Scenario;
        console.MarkupLine($"[bold]{Markup.Escape(s.Name)}[/] on [bold]{result.Platform}[/]: {Markup.Escape(s.Description)}");
        console.MarkupLine($"guest memory {s.MemoryBytes >> 10} KiB, {s.Mode.ToString().ToLowerInvariant()}, {s.SharedWindows.Count} shared window(s); "
            + $"run: [bold]{result.Run.Outcome}[/] after {result.Run.Exits:N0} exits");

        var exits = new Table().Title("Exits").AddColumns("reason", "count");
        foreach (var (reason, count) in result.Run.ExitsByReason.OrderByDescending(e => e.Value))
        {
            exits.AddRow(reason, count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(exits);

        var counters = new Table().Title("What the platform counted").AddColumns("counter", "value");
        counters.AddRow("conversion batches", result.Run.ConversionBatches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        counters.AddRow("pages converted", result.Run.PagesConverted.ToString(System.Globalization.CultureInfo.InvariantCulture));
        counters.AddRow("memory-fault exits", result.Run.MemoryFaults.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string name in new[] { "gmem.faults", "gmem.splits", "gmem.merges", "gmem.pins", "gmem.bytes_bounced" })
        {
            counters.AddRow(name, result.Counters.GetValueOrDefault(name).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        console.Write(counters);

        var reports = string.Join(", ", result.Run.Reports.Select(r => $"{r.Kind} 0x{r.Value:x}"));
        console.MarkupLine($"reports: {Markup.Escape(reports.Length == 0 ? "none" : reports)}");

        var checks = new Table().Title("Expectations").AddColumns("line", "expected", "result", "observed");
        foreach (ScenarioCheck check in result.Checks)
        {
            checks.AddRow(check.Line.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(check.Description),
                check.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
        }
        console.Write(checks);

        console.MarkupLine("[bold]Guarantees on this platform[/]");
        foreach (string guarantee in result.Guarantees)
        {
            console.MarkupLine($"  - {Markup.Escape(guarantee)}");
        }
        console.MarkupLine(result.Passed ? "[green]passed[/]" : "[red]failed[/]");
    }
}
