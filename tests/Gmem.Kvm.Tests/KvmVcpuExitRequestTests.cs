using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>EINTR and <c>kvm_run.immediate_exit</c>: <see cref="KvmVcpu.RequestExit"/> before and during a run.</summary>
public class KvmVcpuExitRequestTests
{
    // jmp $   (spins forever)
    private static readonly byte[] s_spin = [0xEB, 0xFE];

    [KvmFact]
    public void RequestExit_BeforeRun_NextRunIsInterruptedThenGuestContinues()
    {
        // out 0x10, al; hlt
        using var guest = new RealModeGuest([0xE6, 0x10, 0xF4]);
        guest.Vcpu.RequestExit();
        Assert.IsType<VcpuExit.Interrupted>(guest.Vcpu.Run());
        Assert.IsType<VcpuExit.Io>(guest.Vcpu.Run());
        Assert.IsType<VcpuExit.Hlt>(guest.Vcpu.Run());
    }

    [KvmFact]
    public void RequestExit_FromAnotherThreadWhileGuestSpins_RunReturnsInterrupted()
    {
        using var guest = new RealModeGuest(s_spin);
        VcpuExit? exit = null;
        var runner = new Thread(() => exit = guest.Vcpu.Run()) { IsBackground = true };
        runner.Start();
        Thread.Sleep(100);
        guest.Vcpu.RequestExit();
        bool finished = runner.Join(TimeSpan.FromSeconds(20));
        if (!finished)
        {
            // Do not leave a spinning vCPU behind a failed assertion.
            for (int i = 0; i < 50 && !finished; i++)
            {
                guest.Vcpu.RequestExit();
                finished = runner.Join(TimeSpan.FromMilliseconds(100));
            }
        }
        Assert.True(finished, "KVM_RUN should return after RequestExit kicked the spinning vCPU.");
        Assert.IsType<VcpuExit.Interrupted>(exit);
        ulong rip = guest.Vcpu.GetRegisters().Rip;
        Assert.Equal(RealModeGuest.CodeAddress, rip);
    }

    [KvmFact]
    public void RequestExit_InterruptedRunRepeated_EachRequestAnsweredOnce()
    {
        using var guest = new RealModeGuest(s_spin);
        for (int round = 0; round < 3; round++)
        {
            VcpuExit? exit = null;
            var runner = new Thread(() => exit = guest.Vcpu.Run()) { IsBackground = true };
            runner.Start();
            Thread.Sleep(20);
            bool finished = false;
            for (int i = 0; i < 200 && !finished; i++)
            {
                guest.Vcpu.RequestExit();
                finished = runner.Join(TimeSpan.FromMilliseconds(50));
            }
            Assert.True(finished, $"round {round}: KVM_RUN should return after RequestExit.");
            Assert.IsType<VcpuExit.Interrupted>(exit);
        }
    }
}
