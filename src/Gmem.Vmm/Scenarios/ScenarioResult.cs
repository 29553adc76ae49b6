namespace Gmem.Vmm.Scenarios;

/// <summary>What running a scenario showed.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Platform">Where it ran.</param>
/// <param name="Run">The guest run.</param>
/// <param name="Counters">Gmem counters measured during the run (faults, exits, conversions, splits, merges, pins, bytes bounced).</param>
/// <param name="Checks">The expectations and their results.</param>
/// <param name="Guarantees">What the platform guarantees about private memory.</param>
/// <param name="Map">The VM's guest physical memory after the run.</param>
public sealed record ScenarioResult(Scenario Scenario, string Platform, GuestRunResult Run, IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<ScenarioCheck> Checks, IReadOnlyList<string> Guarantees, Maps.GuestMemoryMap Map)
{
    /// <summary>Whether the guest halted and every expectation held.</summary>
    public bool Passed => Run.Outcome == GuestRunOutcome.Halted && Checks.All(c => c.Passed);
}
