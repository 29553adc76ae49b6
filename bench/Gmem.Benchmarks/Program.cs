using System.Globalization;
using BenchmarkDotNet.Running;
using Gmem.Vmm.Bench;

namespace Gmem.Benchmarks;

/// <summary>
/// <c>--quick</c>: a few seconds, C# and C alternating (QuickBench), ratios printed. <c>--profile-start [n]</c>:
/// the phases of a C# VM start. Anything else goes to
/// BenchmarkDotNet (e.g. <c>--filter *</c>, <c>--job short</c>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--quick")
        {
            QuickBenchResult result = QuickBench.Run();
            if (result.BaselineUnavailableReason is string reason)
            {
                Console.WriteLine($"C baseline unavailable: {reason}");
            }
            foreach (BenchPair pair in new[] { result.PortIoExit, result.StartToHlt })
            {
                string c = pair.CNanoseconds is double ns ? $"{ns / 1000:F2} µs" : "n/a";
                string ratio = pair.Ratio is double r
                    ? $"{r:F3}× C (target ≤ {pair.Target:F2}×: {(pair.WithinTarget == true ? "met" : "missed")}; fastest rounds {pair.RatioOfMinimums:F3}×)"
                    : "no ratio";
                string program = pair.CProgramNanoseconds is double p ? $"; C as its own process {p / 1000:F2} µs" : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{pair.Name}: C# {pair.CSharpNanoseconds / 1000:F2} µs, C {c} (same process); {ratio} [{pair.Operations} operations per side]{program}"));
            }
            return 0;
        }
        if (args.Length > 0 && args[0] == "--profile-start")
        {
            StartProfile.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
