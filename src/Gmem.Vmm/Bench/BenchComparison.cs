namespace Gmem.Vmm.Bench;

/// <summary>
/// One side-by-side measurement: ours against a baseline measured in the same run, as a time ratio
/// (ours over baseline, lower is better) with the project's target for it.
/// </summary>
/// <param name="Issue">The issue whose target this is (e.g. "#3").</param>
/// <param name="Name">What was measured.</param>
/// <param name="Ours">What "ours" is.</param>
/// <param name="OursNanoseconds">Ours: nanoseconds per operation (best round).</param>
/// <param name="Baseline">What the baseline is.</param>
/// <param name="BaselineNanoseconds">The baseline: nanoseconds per operation (best round, same run).</param>
/// <param name="Target">The highest acceptable ratio, or null where the issue only asks for the numbers side by side.</param>
/// <param name="Note">How to read it (e.g. "≥ 50% of memset bandwidth").</param>
public sealed record BenchComparison(string Issue, string Name, string Ours, double OursNanoseconds, string Baseline, double BaselineNanoseconds,
    double? Target, string Note)
{
    /// <summary>Ours over the baseline.</summary>
    public double Ratio => BaselineNanoseconds > 0 ? OursNanoseconds / BaselineNanoseconds : double.NaN;

    /// <summary>Whether the ratio meets the target (null without one).</summary>
    public bool? WithinTarget => Target is double t ? Ratio <= t : null;
}
