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
/// <param name="CProgramNanoseconds">
/// The same C code as a stand-alone program in its own process (not paired: run once after the rounds). On the
/// dev machines KVM's memslot update and VM teardown are slower inside a .NET process than in a small C process,
/// for C and C# alike, so this shows what the process around the VMM costs.
/// </param>
/// <param name="RatioOfMinimums">
/// The fastest C# round over the fastest C round: under additive noise from other processes the minimum is the
/// steadiest estimate of each side's own cost (null without the baseline).
/// </param>
public sealed record BenchPair(string Name, double CSharpNanoseconds, double? CNanoseconds, double? Ratio, double Target, long Operations,
    double? CProgramNanoseconds = null, double? RatioOfMinimums = null)
{
    /// <summary>Whether the ratio is within <see cref="Target"/> (null without the baseline).</summary>
    public bool? WithinTarget => Ratio is double r ? r <= Target : null;
}
