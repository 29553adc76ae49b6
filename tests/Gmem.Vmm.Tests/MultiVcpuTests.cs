using Gmem.Kvm;
using Gmem.Reference;
using Gmem.TestSupport;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Tests;

/// <summary>Several vCPUs converting their own areas concurrently (spec scenario 56), through one ConversionService.</summary>
public class MultiVcpuTests
{
    private const int Vcpus = 4;
    private const ulong Area = 0x10000;
    private static readonly Gpa s_base = new(0x100000);

    private static GuestProgram ProgramFor(int vcpu)
    {
        Gpa area = s_base + ((ulong)vcpu * Area);
        return new GuestProgram()
            .Fill(area, Area, 0xEE)                                       // private first
            .Repeat(3, p => p.Share(area, Area).Fill(area, Area, (byte)(vcpu + 1)).Unshare(area + 0x8000, 0x8000))
            .Share(area, Area).Fill(area + 0x8000, 0x8000, (byte)(0x10 + vcpu))
            .Report((uint)vcpu);
    }

    private static (GuestRunResult Result, byte[][] Areas) Run(IHypervisor hypervisor)
    {
        using MicroVm vm = VmBuilder.Create(hypervisor).WithMemory(4UL << 20).WithVcpus(Vcpus, ProgramFor).Build();
        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(120));
        var areas = new byte[Vcpus][];
        for (int i = 0; i < Vcpus; i++)
        {
            areas[i] = new byte[Area];
            vm.ReadShared(s_base + ((ulong)i * Area), areas[i]);
        }
        Assert.Empty(vm.HostVisiblePrivateRanges());
        return (result, areas);
    }

    private static void AssertAsTheProgramsSay(GuestRunResult result, byte[][] areas)
    {
        Assert.True(result.Outcome == GuestRunOutcome.Halted, result.ToString());
        Assert.Equal(Vcpus, result.ReportsByVcpu.Count);
        for (int i = 0; i < Vcpus; i++)
        {
            Assert.Equal([new GuestReport(GuestReportKind.Value, i)], result.ReportsByVcpu[i]);
            Assert.All(areas[i].AsSpan(0, 0x8000).ToArray(), b => Assert.Equal(i + 1, b));
            Assert.All(areas[i].AsSpan(0x8000).ToArray(), b => Assert.Equal(0x10 + i, b));
        }
        Assert.Equal(Vcpus * 7, result.ConversionBatches);   // per vCPU: 3 shares, 3 unshares of the half, 1 final share
    }

    [Fact]
    public void Run_FourVcpusOnReference_EachConvertsItsOwnArea()
    {
        using var reference = new ReferenceHypervisor();

        var (result, areas) = Run(reference);

        AssertAsTheProgramsSay(result, areas);
    }

    [KvmFact]
    public void Run_FourVcpusOnKvm_SameAsReference()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var reference = new ReferenceHypervisor();

        var onKvm = Run(kvm);
        var onReference = Run(reference);

        AssertAsTheProgramsSay(onKvm.Result, onKvm.Areas);
        Assert.Equal(onReference.Result.ReportsByVcpu, onKvm.Result.ReportsByVcpu);
        Assert.Equal(onReference.Areas, onKvm.Areas);
    }
}
