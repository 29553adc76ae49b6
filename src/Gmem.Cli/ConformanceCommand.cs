using System.CommandLine;
using System.Text.Json;
using Gmem.Reference;
using Gmem.Vmm;
using Gmem.Vmm.Conformance;
using Spectre.Console;

namespace Gmem.Cli;

/// <summary><c>gmem conformance</c>: run the spec's scenarios on one or both platforms and compare.</summary>
internal static class ConformanceCommand
{
    public static Command Create()
    {
        var platform = new Option<string>("--platform")
        {
            Description = "Where to run the scenarios.",
            DefaultValueFactory = _ => "both",
        }.AcceptOnlyFromAmong("kvm", "reference", "both");
        var json = new Option<bool>("--json") { Description = "Print the outcomes as JSON." };
        var model = new Option<string>("--attribute-model")
        {
            Description = "Where the Reference platform keeps private/shared attributes: per-vm (upstream) or per-file (in-place conversion, §4.8).",
            DefaultValueFactory = _ => "per-vm",
        }.AcceptOnlyFromAmong("per-vm", "per-file");
        var command = new Command("conformance", "Run the kernel contract's scenarios (spec §4.1–§4.8) and report a table per platform with the differences between them.")
        {
            platform, json, model,
        };
        command.SetAction(result => Run(result.GetValue(platform) ?? "both", result.GetValue(json),
            result.GetValue(model) == "per-file" ? AttributeModel.PerFile : AttributeModel.PerVm));
        return command;
    }

    private static int Run(string platform, bool json, AttributeModel model)
    {
        var byPlatform = new Dictionary<string, IReadOnlyList<ConformanceOutcome>>();
        var unavailable = new Dictionary<string, string>();
        foreach (string name in platform == "both" ? ["kvm", "reference"] : new[] { platform })
        {
            try
            {
                using IHypervisor hypervisor = name == "kvm" ? Hypervisors.OpenKvm() : Hypervisors.CreateReference(new ReferenceOptions { AttributeModel = model });
                byPlatform[name] = ConformanceSuite.Run(hypervisor);
            }
            catch (Exception e) when (e is GmemException or NotSupportedException)
            {
                unavailable[name] = e.Message;
            }
        }
        if (json)
        {
            var rows = byPlatform.SelectMany(p => p.Value.Select(o => new
            {
                platform = p.Key, id = o.Case.Id, section = o.Case.Section, title = o.Case.Title, expected = o.Case.Expected,
                observed = o.Observed, skipped = o.Skipped, matchesSpec = o.MatchesSpec,
                knownDifference = KnownDifferences.For(p.Key).TryGetValue(o.Case.Id, out string? k) && k == o.Observed,
            }));
            Console.Out.WriteLine(JsonSerializer.Serialize(new { outcomes = rows, unavailable }, ScenarioJson.Options));
        }
        else
        {
            Render(byPlatform, unavailable);
        }
        bool unexpected = byPlatform.Any(p => p.Value.Any(o => !o.Skipped && o.Observed != KnownDifferences.For(p.Key).GetValueOrDefault(o.Case.Id, o.Case.Expected)));
        return byPlatform.Count == 0 || unexpected ? 1 : 0;
    }

    private static void Render(Dictionary<string, IReadOnlyList<ConformanceOutcome>> byPlatform, Dictionary<string, string> unavailable)
    {
        IAnsiConsole console = AnsiConsole.Console;
        foreach (var (name, reason) in unavailable)
        {
            console.MarkupLine($"[yellow]{name}: not run[/]: {Markup.Escape(reason)}");
        }
        foreach (var (name, outcomes) in byPlatform)
        {
            var known = KnownDifferences.For(name);
            var table = new Table().Title($"{name}: spec §4.1–§4.8").AddColumns("#", "scenario", "spec (7.2)", "observed", "");
            foreach (ConformanceOutcome o in outcomes)
            {
                string status = o.Skipped ? "[yellow]skipped[/]"
                    : o.MatchesSpec ? "[green]ok[/]"
                    : known.TryGetValue(o.Case.Id, out string? k) && k == o.Observed ? "[blue]kernel < 7.2[/]"
                    : "[red]DIFFERS[/]";
                table.AddRow(o.Case.Id, Markup.Escape(o.Case.Title), Markup.Escape(o.Case.Expected), Markup.Escape(o.Observed), status);
            }
            console.Write(table);
            console.MarkupLine($"{name}: {outcomes.Count(o => o.MatchesSpec)} of {outcomes.Count} as the spec says, {outcomes.Count(o => o.Skipped)} skipped");
        }
        if (byPlatform.Count == 2)
        {
            var kvm = byPlatform["kvm"].ToDictionary(o => o.Case.Id);
            var differences = byPlatform["reference"].Where(o => !o.Skipped && !kvm[o.Case.Id].Skipped && kvm[o.Case.Id].Observed != o.Observed).ToList();
            var table = new Table().Title("Differences between the platforms").AddColumns("#", "scenario", "kvm", "reference");
            foreach (ConformanceOutcome o in differences)
            {
                table.AddRow(o.Case.Id, Markup.Escape(o.Case.Title), Markup.Escape(kvm[o.Case.Id].Observed), Markup.Escape(o.Observed));
            }
            console.Write(table);
            console.MarkupLine($"{differences.Count} difference(s) where both platforms ran the scenario; the reasons are in docs/compatibility.md.");
        }
    }
}
