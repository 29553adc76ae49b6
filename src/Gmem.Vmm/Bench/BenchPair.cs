namespace Gmem.Vmm.Bench;

/// <summary>One measurement taken side by side: the C# VMM and the C baseline, in nanoseconds per operation.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="CSharpNanoseconds">Median over the rounds of nanoseconds per operation, C#.</param>
/// <param name="CNanoseconds">Median over the rounds of nanoseconds per operation, C (null when the baseline could not run).</param>
/// <param name="Ratio">
/// C# over C: the median of the per-round ratios, each round's C# and C halves run back to back so they share
/// the machine's load at that moment (null without the baseline).
/// </param>
/// <param name="Target">The ratio the project aims to stay under.</param>
/// <param name="Operations">Operations timed per side (all rounds).</param>
public sealed record BenchPair(string Name, double CSharpNanoseconds, double? CNanoseconds, double? Ratio, double Target, long Operations)
{
    /// <summary>Whether the ratio is within <see cref="Target"/> (null without the baseline).</summary>
    public bool? WithinTarget => Ratio is double r ? r <= Target : null;
}
