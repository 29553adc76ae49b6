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
        var command = new Command("bench", "Port-I/O exit round trip and VM start to first HLT: C# against a C program doing the same ioctls (Kvm only).")
        {
            json,
            rounds,
        };
        command.SetAction(result => Run(result.GetValue(json), result.GetValue(rounds)));
        return command;
    }

    private static int Run(bool json, int rounds)
    {
        if (rounds < 1)
        {
            Console.Error.WriteLine($"gmem bench: --rounds must be at least 1, not {rounds}.");
            return 2;
        }
        QuickBenchResult result;
        try
        {
            result = QuickBench.Run(rounds);
        }
        catch (GmemException e)
        {
            Console.Error.WriteLine($"gmem bench: the Kvm platform is unavailable: {e.Operation}: {e.Errno} ({e.Message})");
            return 1;
        }
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(result, s_json));
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
        AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        }).Write(table);
        if (result.BaselineUnavailableReason is string reason)
        {
            Console.Out.WriteLine($"C baseline unavailable: {reason}");
        }
        return 0;
    }

    private static string Micro(double? nanoseconds) =>
        nanoseconds is double ns ? (ns / 1000).ToString("F2", CultureInfo.InvariantCulture) + " µs" : "n/a";
}
