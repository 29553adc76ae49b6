using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>The port-I/O exit path: many exits in a row, and no allocation per exit once warmed up.</summary>
public class KvmVcpuHotPathTests
{
    // mov cx, count; l: out 0x10, al; inc al; loop l; hlt
    private static byte[] OutLoop(ushort count) =>
        [0xB9, (byte)count, (byte)(count >> 8), 0xE6, 0x10, 0xFE, 0xC0, 0xE2, 0xFA, 0xF4];

    [KvmFact]
    public void Run_ThousandsOfOutExits_EveryValueInOrderThenHlt()
    {
        const int count = 20_000;
        using var guest = new RealModeGuest(OutLoop(count));
        // One watchdog for the whole loop (a per-run timer would allocate): a stuck run ends as Interrupted.
        using var watchdog = new Timer(_ => guest.Vcpu.RequestExit(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        int seen = 0;
        VcpuExit exit;
        while ((exit = guest.Vcpu.Run()) is VcpuExit.Io io)
        {
            Assert.Equal((byte)seen, (byte)io.Value);
            seen++;
        }
        Assert.IsType<VcpuExit.Hlt>(exit);
        Assert.Equal(count, seen);
    }

    [KvmFact]
    public void Run_SteadyOutExits_AllocateNothingPerExit()
    {
        const int count = 2_000;
        using var guest = new RealModeGuest(OutLoop(count));
        // One watchdog for the whole loop (a per-run timer would allocate): a stuck run ends as Interrupted.
        using var watchdog = new Timer(_ => guest.Vcpu.RequestExit(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        // The measured loop runs once unmeasured first (JIT, the first exit object, and on-stack replacement of
        // the hot loop, which the runtime may charge to this thread).
        static int Drain(KvmVcpu vcpu, int max)
        {
            int exits = 0;
            while (exits < max && vcpu.Run() is VcpuExit.Io)
            {
                exits++;
            }
            return exits;
        }
        Assert.Equal(1000, Drain(guest.Vcpu, 1000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        int exits = Drain(guest.Vcpu, int.MaxValue);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(count - 1000, exits);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {exits} port-I/O exits; expected none.");
    }

    [KvmFact]
    public void Run_SameShapeExits_ReuseOneExitObjectValidUntilNextRun()
    {
        // Documented contract: an Io exit is reused by the next exit with the same direction, port, size and
        // count, so a handler copies what it keeps.
        using var guest = new RealModeGuest(OutLoop(3));
        var first = Assert.IsType<VcpuExit.Io>(guest.Vcpu.Run());
        Assert.Equal(0u, first.Value);
        var second = Assert.IsType<VcpuExit.Io>(guest.Vcpu.Run());
        Assert.Same(first, second);
        Assert.Equal(1u, second.Value);
    }
}
