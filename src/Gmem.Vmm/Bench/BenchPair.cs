namespace Gmem.Vmm.Bench;

/// <summary>One measurement taken side by side: the C# VMM and the C baseline, in nanoseconds per operation.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="CSharpNanoseconds">Median nanoseconds per operation, C#.</param>
/// <param name="CNanoseconds">Median nanoseconds per operation, C (null when the baseline could not run).</param>
/// <param name="Target">The ratio the project aims to stay under.</param>
/// <param name="Operations">Operations timed per side (all rounds).</param>
public sealed record BenchPair(string Name, double CSharpNanoseconds, double? CNanoseconds, double Target, long Operations)
{
    /// <summary>C# time over C time (null without the baseline).</summary>
    public double? Ratio => CNanoseconds is double c && c > 0 ? CSharpNanoseconds / c : null;

    /// <summary>Whether the ratio is within <see cref="Target"/> (null without the baseline).</summary>
    public bool? WithinTarget => Ratio is double r ? r <= Target : null;
}
