using Gmem.Kvm;
using Gmem.Reference;
using Gmem.TestSupport;
using Gmem.Vmm.Programs;
using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm.Tests.Scenarios;

[Collection(MetricsCollection.Name)]
public class ScenarioRunnerTests
{
    private static string ExamplesDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "examples")) && File.Exists(Path.Combine(dir.FullName, "Gmem.slnx")))
                {
                    return Path.Combine(dir.FullName, "examples");
                }
            }
            throw new DirectoryNotFoundException("examples/ not found above the test binaries.");
        }
    }

    [Fact]
    public void BuildProgram_NestedLoops_BecomeRepeats()
    {
        Scenario s = ScenarioParser.Parse("guest\nloop 2\n report 1\n loop 3\n  touch 0x100000 4K\n end\nend\nreport 2\nhalt\n");

        GuestProgram program = ScenarioRunner.BuildProgram(s);

        var outer = Assert.IsType<GuestOp.Repeat>(program.Ops[0]);
        Assert.Equal(2UL, outer.Count);
        Assert.IsType<GuestOp.Report>(outer.Body[0]);
        var inner = Assert.IsType<GuestOp.Repeat>(outer.Body[1]);
        Assert.Equal(3UL, inner.Count);
        Assert.IsType<GuestOp.Touch>(Assert.Single(inner.Body));
        Assert.Equal(new GuestOp.Report(2), program.Ops[1]);
        Assert.IsType<GuestOp.Halt>(program.Ops[2]);
    }

    [Fact]
    public void Examples_AllParse()
    {
        string[] files = Directory.GetFiles(ExamplesDirectory, "*.gmem");

        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.NotEmpty(ScenarioParser.ParseFile(f).Program));
    }

    public static TheoryData<string> Examples() => [.. Directory.GetFiles(ExamplesDirectory, "*.gmem").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Run_EveryExampleOnReference_EveryExpectationHolds(string file)
    {
        Scenario s = ScenarioParser.ParseFile(Path.Combine(ExamplesDirectory, file));
        using var reference = new ReferenceHypervisor();

        ScenarioResult result = ScenarioRunner.Run(s, reference);

        Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => $"{c.Description}: {c.Detail}")) + " " + result.Run);
        Assert.Equal("reference", result.Platform);
        Assert.Equal(s.Directives.Count(d => d.Verb.StartsWith("expect", StringComparison.Ordinal)) + 1, result.Checks.Count);
    }

    [KvmFact]
    public void Run_DefaultExampleOnKvm_EveryExpectationHolds()
    {
        Scenario s = ScenarioParser.ParseFile(Path.Combine(ExamplesDirectory, "default.gmem"));
        using KvmHypervisor kvm = KvmHypervisor.Open();

        ScenarioResult result = ScenarioRunner.Run(s, kvm);

        Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => $"{c.Description}: {c.Detail}")) + " " + result.Run);
        Assert.Equal(4, result.Checks.Count);
        Assert.Equal("kvm", result.Platform);
        Assert.True(result.Counters.GetValueOrDefault("gmem.exits") >= result.Run.Exits, "the meter saw every exit");
        Assert.Equal(2, result.Counters.GetValueOrDefault("gmem.pages_converted"));
    }

    [KvmFact]
    public void Run_WrongExpectation_FailsWithDetail()
    {
        Scenario s = ScenarioParser.Parse("shared 0x100000 4K\nguest\nfill 0x100000 4K 0x22\nreport 5\nhalt\nexpect report 0 6\nexpect shared 0x100000 4K 0x23\n");
        using KvmHypervisor kvm = KvmHypervisor.Open();

        ScenarioResult result = ScenarioRunner.Run(s, kvm);

        Assert.False(result.Passed);
        Assert.True(result.Checks[0].Passed, "no mismatch and no refused conversion");
        Assert.Equal("0x5", result.Checks[1].Detail);
        Assert.False(result.Checks[2].Passed);
        Assert.Contains("is 0x22", result.Checks[2].Detail, StringComparison.Ordinal);
    }
}
