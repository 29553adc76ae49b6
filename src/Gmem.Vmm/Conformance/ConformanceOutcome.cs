namespace Gmem.Vmm.Conformance;

/// <summary>What one case showed on one platform.</summary>
/// <param name="Case">The case.</param>
/// <param name="Platform">"kvm" or "reference".</param>
/// <param name="Observed">The observation ("ok", an errno name, a value, or "skipped: reason").</param>
/// <param name="Skipped">Whether the platform could not run the case.</param>
public sealed record ConformanceOutcome(ConformanceCase Case, string Platform, string Observed, bool Skipped)
{
    /// <summary>Whether the observation is what the spec expects.</summary>
    public bool MatchesSpec => !Skipped && Observed == Case.Expected;
}
