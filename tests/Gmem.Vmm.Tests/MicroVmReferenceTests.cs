using Gmem.Reference;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Tests;

public class MicroVmReferenceTests
{
    private static readonly Gpa s_private = new(0x100000);
    private static readonly Gpa s_converted = new(0x200000);
    private static readonly Gpa s_window = new(0x300000);

    private static MicroVm Build(ReferenceHypervisor hypervisor, GuestProgram program) =>
        VmBuilder.Create(hypervisor).WithMemory(4UL << 20).WithSharedWindow(s_window, 0x4000).WithProgram(program).Build();

    [Theory]
    [InlineData(AttributeModel.PerVm)]
    [InlineData(AttributeModel.PerFile)]
    public void Run_ConfidentialProgram_HostSeesOnlySharedAndNoHostPageReachesPrivate(AttributeModel model)
    {
        using var reference = new ReferenceHypervisor(new ReferenceOptions { AttributeModel = model });
        using MicroVm vm = Build(reference, new GuestProgram()
            .Fill(s_private, 0x4000, 0xA5).Verify(s_window, 0x1000, 0x11)
            .Share(s_converted, 0x2000).Fill(s_converted, 0x2000, 0x5A).Report(7));
        vm.WriteShared(s_window, Enumerable.Repeat((byte)0x11, 0x1000).ToArray());

        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));

        Assert.True(result.Outcome == GuestRunOutcome.Halted, result.ToString());
        Assert.Equal([new GuestReport(GuestReportKind.Value, 7)], result.Reports);
        var seen = new byte[0x2000];
        vm.ReadShared(s_converted, seen);
        Assert.All(seen, b => Assert.Equal(0x5A, b));
        Assert.Empty(vm.HostVisiblePrivateRanges());
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => vm.ReadShared(s_private, new byte[1])).Errno);
        GuestMemoryMap map = vm.Map();
        Assert.Equal(MemoryKind.Private, map.Find(s_private)?.Kind);
        Assert.Equal((ulong)Page.Size, map.Find(s_private)?.MappingBytes);
        Assert.Equal(MemoryKind.Shared, map.Find(s_converted)?.Kind);
    }

    [Theory]
    [InlineData(AttributeModel.PerVm, 0x00)]     // two pools: the private copy is discarded, the shared pool starts empty
    [InlineData(AttributeModel.PerFile, 0xA5)]   // in place: the same frame, content kept
    public void Share_AfterPrivateFill_DestructiveOrInPlaceAsTheModelSays(AttributeModel model, byte expected)
    {
        using var reference = new ReferenceHypervisor(new ReferenceOptions { AttributeModel = model });
        using MicroVm vm = Build(reference, new GuestProgram().Fill(s_converted, 0x1000, 0xA5).Share(s_converted, 0x1000).Report(1));

        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));

        Assert.Equal([new GuestReport(GuestReportKind.Value, 1)], result.Reports);
        var seen = new byte[0x1000];
        vm.ReadShared(s_converted, seen);
        Assert.All(seen, b => Assert.Equal(expected, b));
    }

    [Fact]
    public void Run_HugePages_BlocksMapWith2MiBLeavesAndPartialConversionIsRefusedCleanly()
    {
        using var reference = new ReferenceHypervisor();
        using MicroVm vm = VmBuilder.Create(reference).WithMemory(8UL << 20, (ulong)Page.Size2M)
            .WithSharedWindow(new Gpa(0x600000), (ulong)Page.Size2M)
            .WithProgram(new GuestProgram().Touch(new Gpa(0x200000), 0x200000).Share(new Gpa(0x200000), 0x1000).Report(3))
            .Build();

        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));

        Assert.Equal([new GuestReport(GuestReportKind.HypercallFailed, ConversionService.KvmEinval), new GuestReport(GuestReportKind.Value, 3)], result.Reports);
        GuestMemoryMap map = vm.Map();
        Assert.Equal((ulong)Page.Size2M, map.Find(new Gpa(0x200000))?.MappingBytes);
        Assert.Equal(MemoryKind.Private, map.Find(new Gpa(0x200000))?.Kind);
        Assert.Equal(MemoryKind.Shared, map.Find(new Gpa(0x600000))?.Kind);
        Assert.Empty(ReferenceInspector.CheckInvariants(GetVm(vm)));
    }

    private static IVirtualMachine GetVm(MicroVm vm) => ((Machines.ReferenceGuestMachine)vm.Machine).Vm;
}
