using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.Conformance;
using Xunit.Abstractions;

namespace Gmem.Vmm.Tests.Conformance;

public class ConformanceSuiteKvmTests(ITestOutputHelper output)
{
    [KvmFact]
    public void Run_Kvm_EveryCaseMatchesTheSpecOrAKnownKernelDifference()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();

        IReadOnlyList<ConformanceOutcome> outcomes = ConformanceSuite.Run(kvm);

        var known = KnownDifferences.For("kvm");
        var wrong = new List<string>();
        foreach (ConformanceOutcome o in outcomes)
        {
            output.WriteLine($"{o.Case.Id,-4} expected={o.Case.Expected} observed={o.Observed}  {o.Case.Title}");
            string expected = known.GetValueOrDefault(o.Case.Id, o.Case.Expected);
            if (!o.Skipped && o.Observed != expected)
            {
                wrong.Add($"{o.Case.Id}: expected {expected}, observed {o.Observed}");
            }
        }
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        Assert.Equal(ConformanceSuite.Cases.Count, outcomes.Count);
        Assert.All(KnownDifferences.For("kvm"), d => Assert.Contains(outcomes, o => o.Case.Id == d.Key && o.Observed == d.Value));
    }

    [Fact]
    public void Cases_IdsAreUnique()
    {
        Assert.Equal(ConformanceSuite.Cases.Count, ConformanceSuite.Cases.Select(c => c.Id).Distinct().Count());
    }
}
