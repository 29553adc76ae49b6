using Gmem.Reference;
using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm.Tests.Scenarios;

/// <summary>What the platform counts reaches a scenario's report (the Gmem meter, read during the run).</summary>
[Collection(MetricsCollection.Name)]
public class ScenarioCountersTests
{
    [Fact]
    public void Run_HugePagesOnReference_FaultsAndConversionsCounted()
    {
        Scenario s = ScenarioParser.Parse("memory 8M\nhuge 2M\nguest\ntouch 0x400000 2M\nshare 0x600000 2M\nfill 0x600000 8K 1\nreport 1\nhalt\n");
        using var reference = new ReferenceHypervisor();

        ScenarioResult result = ScenarioRunner.Run(s, reference);

        Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => c.Detail)));
        Assert.True(result.Counters.GetValueOrDefault("gmem.faults") >= 3, "code page, the 2 MiB block, and the two shared pages fault");
        Assert.Equal(512, result.Counters.GetValueOrDefault("gmem.pages_converted"));
        Assert.Equal((ulong)Page.Size2M, result.Map.Find(new Gpa(0x400000))?.MappingBytes);
    }
}
