using Gmem.TestSupport;
using Gmem.Vmm.Bench;

namespace Gmem.Vmm.Tests.Bench;

/// <summary>The quick benchmark runs both sides; no test looks at how long anything took.</summary>
public class QuickBenchTests
{
    [KvmFact]
    public void Run_TinyRounds_MeasuresBothSidesWhenGccExists()
    {
        QuickBenchResult result = QuickBench.Run(rounds: 3, exitsPerRound: 20, startsPerRound: 1);

        Assert.Equal(60, result.PortIoExit.Operations);
        Assert.Equal(3, result.StartToHlt.Operations);
        Assert.True(result.PortIoExit.CSharpNanoseconds > 0);
        Assert.True(result.StartToHlt.CSharpNanoseconds > 0);
        Skip.If(result.BaselineUnavailableReason is not null, $"The C baseline cannot run here: {result.BaselineUnavailableReason}");
        Assert.NotNull(result.PortIoExit.Ratio);
        Assert.NotNull(result.StartToHlt.Ratio);
        Assert.True(result.PortIoExit.CNanoseconds > 0);
    }

    [KvmFact]
    public void CBaseline_CountingGuest_Runs100000ExitsToHlt()
    {
        CBaseline? c = CBaseline.TryCreate(out string? reason);
        Skip.If(c is null, $"The C baseline cannot run here: {reason}");

        c.RunCount(100_000);   // throws with kvm_bench's error unless every value arrived in order and the guest halted
    }
}
