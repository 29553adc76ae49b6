using Gmem.Kvm;
using Gmem.Reference;
using Gmem.TestSupport;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Tests;

/// <summary>The same GuestProgram on Kvm (x86-64) and Reference (bytecode): the same reports and the same shared memory.</summary>
public class CrossPlatformProgramTests
{
    private static readonly Gpa s_window = new(0x300000);

    private static GuestProgram Program() => new GuestProgram()
        .Fill(new Gpa(0x100000), 0x3000, 0xA5)
        .Verify(new Gpa(0x100000), 0x3001, 0xA5)                       // one byte past the fill: a mismatch report
        .Share(new Gpa(0x200000), 0x2000)
        .ForEachChunk(new Gpa(0x200000), 0x2000, 0x400, p => p.Fill(GuestAddress.Cursor(0x10), 0x10, 0x3C).Report(9))
        .Repeat(3, p => p.Touch(s_window, 0x4000, TouchKind.Write, 0x77))
        .Verify(s_window, 0x1000, 0x11)                                 // the host wrote 0x11, the touch changed byte 0: mismatch at 0
        .Unshare(new Gpa(0x201000), 0x1000)
        .Share(new Gpa(0x1000), 0x1000)                                 // inside the reserved code region: refused
        .Report(0xC0FFEE);

    private static (IReadOnlyList<GuestReport> Reports, byte[] Shared, byte[] Window) Run(IHypervisor hypervisor)
    {
        using MicroVm vm = VmBuilder.Create(hypervisor).WithMemory(4UL << 20).WithSharedWindow(s_window, 0x4000).WithProgram(Program()).Build();
        vm.WriteShared(s_window, Enumerable.Repeat((byte)0x11, 0x4000).ToArray());
        GuestRunResult result = vm.Run(timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.Outcome == GuestRunOutcome.Halted, $"{hypervisor.Name}: {result}");
        var shared = new byte[0x1000];
        vm.ReadShared(new Gpa(0x200000), shared);
        var window = new byte[0x4000];
        vm.ReadShared(s_window, window);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => vm.ReadShared(new Gpa(0x201000), new byte[1])).Errno);
        return (result.Reports, shared, window);
    }

    [KvmFact]
    public void Run_SameProgram_SameReportsAndSharedMemoryOnKvmAndReference()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using var reference = new ReferenceHypervisor();

        var onKvm = Run(kvm);
        var onReference = Run(reference);

        Assert.Equal(onKvm.Reports, onReference.Reports);
        Assert.Equal(onKvm.Shared, onReference.Shared);
        Assert.Equal(onKvm.Window, onReference.Window);
        // And the results are the ones the program implies, not merely equal.
        Assert.Equal(GuestReportKind.VerifyMismatch, onKvm.Reports[0].Kind);
        Assert.Equal(0x103000L, onKvm.Reports[0].Value);
        Assert.Equal(8, onKvm.Reports.Count(r => r == new GuestReport(GuestReportKind.Value, 9)));
        Assert.Contains(new GuestReport(GuestReportKind.VerifyMismatch, 0x300000), onKvm.Reports);
        Assert.Contains(new GuestReport(GuestReportKind.HypercallFailed, -22), onKvm.Reports);
        Assert.Equal(new GuestReport(GuestReportKind.Value, 0xC0FFEE), onKvm.Reports[^1]);
        Assert.Equal(0x3C, onKvm.Shared[0x10]);
        Assert.Equal(0x00, onKvm.Shared[0x0F]);
        Assert.Equal(0x77, onKvm.Window[0x1000]);
        Assert.Equal(0x11, onKvm.Window[0x1001]);
    }
}
