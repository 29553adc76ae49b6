using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Tests;

public class MicroVmKvmTests
{
    private static readonly Gpa s_private = new(0x100000);
    private static readonly Gpa s_window = new(0x300000);
    private static readonly Gpa s_converted = new(0x200000);

    private static GuestProgram Program() => new GuestProgram()
        .Fill(s_private, 0x4000, 0xA5)
        .Verify(s_window, 0x1000, 0x11)
        .Share(s_converted, 0x2000)
        .Fill(s_converted, 0x2000, 0x5A)
        .Report(0x5A);

    [KvmFact]
    public void Run_ConfidentialProgram_HostSeesSharedBytesAndNoPrivateMapping()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using MicroVm vm = VmBuilder.Create(kvm)
            .WithMemory(4UL << 20)
            .WithSharedWindow(s_window, 0x10000)
            .WithProgram(Program())
            .Build();
        vm.WriteShared(s_window, Enumerable.Repeat((byte)0x11, 0x1000).ToArray());

        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));

        Assert.True(result.Outcome == GuestRunOutcome.Halted, result.ToString());
        Assert.Equal([0x5AL], result.Values);
        Assert.DoesNotContain(result.Reports, r => r.Kind != GuestReportKind.Value);
        Assert.Equal(1, result.ConversionBatches);
        Assert.Equal(2, result.PagesConverted);
        var seen = new byte[0x2000];
        vm.ReadShared(s_converted, seen);
        Assert.All(seen, b => Assert.Equal(0x5A, b));
        Assert.Empty(vm.HostVisiblePrivateRanges());
        var e = Assert.Throws<GmemException>(() => vm.ReadShared(s_private, new byte[16]));
        Assert.Equal(Errno.EFAULT, e.Errno);
        GuestMemoryMap map = vm.Map();
        Assert.Equal(MemoryKind.Private, map.Find(s_private)?.Kind);
        Assert.Equal(MemoryKind.Shared, map.Find(s_converted)?.Kind);
        Assert.Equal(MemoryKind.Shared, map.Find(s_window)?.Kind);
    }

    [KvmFact]
    public void Conversions_ToPrivateInsideAWindow_UnmapsOnlyThatPart()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using MicroVm vm = VmBuilder.Create(kvm).WithMemory(4UL << 20).WithSharedWindow(s_window, 0x4000)
            .WithProgram(new GuestProgram().Halt()).Build();

        vm.Conversions.Convert([new ConversionRequest(new GpaRange(s_window + 0x1000, 0x1000), ToPrivate: true)]);

        Assert.Empty(vm.HostVisiblePrivateRanges());
        vm.ReadShared(s_window, new byte[0x1000]);
        vm.ReadShared(s_window + 0x2000, new byte[0x2000]);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => vm.ReadShared(s_window + 0x1000, new byte[1])).Errno);
    }

    [KvmFact]
    public void Build_AllShared_EverythingReadableAndUnshareRefused()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using MicroVm vm = VmBuilder.Create(kvm).WithMemory(4UL << 20).AllShared()
            .WithProgram(new GuestProgram().Fill(s_private, 0x1000, 0x42).Unshare(s_private, 0x1000)).Build();

        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(GuestRunOutcome.Halted, result.Outcome);
        Assert.Equal([new GuestReport(GuestReportKind.HypercallFailed, ConversionService.KvmEinval)], result.Reports);
        var bytes = new byte[0x1000];
        vm.ReadShared(s_private, bytes);
        Assert.All(bytes, b => Assert.Equal(0x42, b));
    }
}
