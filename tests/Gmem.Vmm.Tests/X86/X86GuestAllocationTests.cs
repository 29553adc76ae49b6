using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.X86;

namespace Gmem.Vmm.Tests.X86;

/// <summary>The port-I/O exit path (KVM_RUN → VcpuExit.Io → handler → KVM_RUN) allocates nothing per exit.</summary>
public class X86GuestAllocationTests
{
    private const int Exits = 20_000;

    [KvmFact]
    public void RunToHlt_20000PortIoExits_AllocatesOnlyTheReusedExitObject()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        using X86Guest guest = X86Guest.Create(vm, new X86GuestOptions(), X86GuestTests.OutLoop(Exits));
        var counter = new Counter();
        Func<VcpuExit.Io, bool> handler = counter.OnIo;

        long before = GC.GetAllocatedBytesForCurrentThread();
        X86RunResult result = guest.RunToHlt(handler);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(Exits, counter.Count);
        // The first exit creates the reused Io object and its data array (~100 bytes); nothing after it may
        // allocate: 1 KiB over 20,000 exits is 0.05 bytes per exit.
        Assert.True(allocated <= 1024, $"{allocated} bytes allocated over {Exits} exits: more than the one-time exit object");
    }

    private sealed class Counter
    {
        public long Count { get; private set; }

        public bool OnIo(VcpuExit.Io io)
        {
            Count++;
            return io.Value == (uint)(Count - 1);
        }
    }
}
