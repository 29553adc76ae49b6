using System.Text.Json;
using System.Text.Json.Serialization;
using Gmem.Vmm.Scenarios;

namespace Gmem.Cli;

/// <summary>The JSON shape of <c>gmem run --json</c>.</summary>
internal sealed record ScenarioJson(string Scenario, string Platform, string Outcome, bool Passed, IReadOnlyDictionary<string, long> Exits,
    IReadOnlyList<string> Reports, long ConversionBatches, long PagesConverted, long MemoryFaults, IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<ScenarioCheck> Checks, IReadOnlyList<string> Guarantees)
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ScenarioJson From(ScenarioResult r) => new(r.Scenario.Name, r.Platform, r.Run.Outcome.ToString(), r.Passed, r.Run.ExitsByReason,
        r.Run.Reports.Select(x => $"{x.Kind}:0x{x.Value:x}").ToList(), r.Run.ConversionBatches, r.Run.PagesConverted, r.Run.MemoryFaults,
        r.Counters, r.Checks, r.Guarantees);
}
