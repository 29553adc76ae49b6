namespace Gmem.Vmm.Tests;

/// <summary>Tests that read the process-wide Gmem meter run alone, so no other test's measurements mix in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Gmem metrics";
}
