using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gmem.Vmm.Bench;
using Spectre.Console;

namespace Gmem.Cli;

/// <summary>
/// <c>gmem bench</c>: the quick side-by-side benchmark (Gmem.Vmm.Bench.QuickBench) — the C# VMM against
/// bench/c/kvm_bench.c on the same guests, in the same process. BenchmarkDotNet's full run is bench/Gmem.Benchmarks.
/// </summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Alternating rounds per side (the median round ratio is reported).",
            DefaultValueFactory = _ => 41,
        };
        var referenceRounds = new Option<int>("--reference-rounds")
        {
            Description = "Rounds of each Reference measurement (the best round is reported).",
            DefaultValueFactory = _ => 3,
        };
        var svg = new Option<FileInfo?>("--svg") { Description = "Write the chart to this SVG file (default: gmem-bench.svg)." };
        var command = new Command("bench", "The side-by-side benchmarks of every issue, as ratios measured in one run, with a chart (SVG): "
            + "C# against a C program doing the same ioctls, and the Reference platform against memset, the kernel's guest_memfd and the real KVM guest.")
        {
            json,
            rounds,
            referenceRounds,
            svg,
        };
        command.SetAction(result => Run(result.GetValue(json), result.GetValue(rounds), result.GetValue(referenceRounds), result.GetValue(svg)));
        return command;
    }

    private static int Run(bool json, int rounds, int referenceRounds, FileInfo? svg)
    {
        if (rounds < 1 || referenceRounds < 1)
        {
            Console.Error.WriteLine($"gmem bench: --rounds and --reference-rounds must be at least 1, not {rounds} and {referenceRounds}.");
            return 2;
        }
        QuickBenchResult? result = null;
        string? kvmUnavailable = null;
        try
        {
            result = QuickBench.Run(rounds);
        }
        catch (GmemException e)
        {
            kvmUnavailable = $"the Kvm platform is unavailable: {e.Operation}: {e.Errno} ({e.Message})";
        }
        IReadOnlyList<BenchComparison> reference = ReferenceBench.Run(referenceRounds, out IReadOnlyList<string> skipped);
        var all = new List<BenchComparison>();
        if (result is not null)
        {
            all.AddRange(new[] { result.PortIoExit, result.StartToHlt }.Where(p => p.CNanoseconds is not null).Select(p =>
                new BenchComparison("#2", p.Name, "C# VMM", p.CSharpNanoseconds, "C program", p.CNanoseconds!.Value, p.Target, "median round ratio shown in the table")));
        }
        all.AddRange(reference);
        string chart = (svg ?? new FileInfo("gmem-bench.svg")).FullName;
        File.WriteAllText(chart, BenchChart.RenderSvg(all, "gmem bench: side by side, one run"));
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { kvm = result, kvmUnavailable, comparisons = all.Select(c => new
            {
                c.Issue, c.Name, c.Ours, c.OursNanoseconds, c.Baseline, c.BaselineNanoseconds, c.Ratio, c.Target, c.WithinTarget, c.Note,
            }), skipped, chart }, s_json));
            return 0;
        }
        RenderReference(reference, skipped);
        Console.Out.WriteLine($"chart written to {chart}");
        if (result is null)
        {
            Console.Out.WriteLine($"C# against C not measured: {kvmUnavailable}");
            return 0;
        }
        var table = new Table().Title("C# VMM against the C baseline (same guest, same ioctls, same process)")
            .AddColumns("measurement", "C#", "C", "C#/C (median round)", "fastest rounds", "target", "C as own process");
        foreach (BenchPair pair in new[] { result.PortIoExit, result.StartToHlt })
        {
            table.AddRow(Markup.Escape(pair.Name), Micro(pair.CSharpNanoseconds), Micro(pair.CNanoseconds),
                pair.Ratio is double r ? (pair.WithinTarget == true ? $"[green]{r:F3}×[/]" : $"[red]{r:F3}×[/]") : "n/a",
                pair.RatioOfMinimums is double m ? $"{m:F3}×" : "n/a", $"≤ {pair.Target:F2}×", Micro(pair.CProgramNanoseconds));
        }
        AnsiConsole.Write(table);   // plain text when redirected: Program sets the console up
        if (result.BaselineUnavailableReason is string reason)
        {
            Console.Out.WriteLine($"C baseline unavailable: {reason}");
        }
        return 0;
    }

    private static void RenderReference(IReadOnlyList<BenchComparison> comparisons, IReadOnlyList<string> skipped)
    {
        var table = new Table().Title("Reference platform, side by side in this run (best round)")
            .AddColumns("issue", "measurement", "ours", "baseline", "ours/baseline", "target");
        foreach (BenchComparison c in comparisons)
        {
            string ratio = c.WithinTarget switch { true => $"[green]{c.Ratio:F3}×[/]", false => $"[red]{c.Ratio:F3}×[/]", null => $"{c.Ratio:F3}×" };
            table.AddRow(c.Issue, Markup.Escape(c.Name), Markup.Escape($"{c.Ours}: {Micro(c.OursNanoseconds)}"),
                Markup.Escape($"{c.Baseline}: {Micro(c.BaselineNanoseconds)}"), ratio, Markup.Escape(c.Target is double t ? $"≤ {t:F2}× ({c.Note})" : c.Note));
        }
        AnsiConsole.Write(table);
        foreach (string line in skipped)
        {
            Console.Out.WriteLine(line);
        }
    }

    private static string Micro(double? nanoseconds) =>
        nanoseconds is double ns ? (ns / 1000).ToString("F2", CultureInfo.InvariantCulture) + " µs" : "n/a";
}
