using Gmem.Reference;
using Gmem.Vmm.Conformance;

namespace Gmem.Vmm.Tests.Conformance;

public class ConformanceSuiteReferenceTests
{
    [Theory]
    [InlineData(AttributeModel.PerVm)]
    [InlineData(AttributeModel.PerFile)]
    public void Run_Reference_EveryCaseAsTheSpecSays(AttributeModel model)
    {
        using var reference = new ReferenceHypervisor(new ReferenceOptions { AttributeModel = model });

        IReadOnlyList<ConformanceOutcome> outcomes = ConformanceSuite.Run(reference);

        Assert.Empty(KnownDifferences.For("reference"));
        var wrong = outcomes.Where(o => !o.MatchesSpec).Select(o => $"{o.Case.Id}: expected {o.Case.Expected}, observed {o.Observed}").ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        Assert.Equal(ConformanceSuite.Cases.Count, outcomes.Count);
    }
}
