using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

public class KvmVcpuTests
{
    [KvmFact]
    public void Run_OutThenHlt_ReportsIoThenHlt()
    {
        // mov dx, 0x10; mov al, 0x42; out dx, al; hlt
        using var guest = new RealModeGuest([0xBA, 0x10, 0x00, 0xB0, 0x42, 0xEE, 0xF4]);
        VcpuExit exit = guest.Vcpu.Run();
        var io = Assert.IsType<VcpuExit.Io>(exit);
        Assert.Equal(IoDirection.Out, io.Direction);
        Assert.Equal((ushort)0x10, io.Port);
        Assert.Equal(1, io.Size);
        Assert.Equal(0x42u, io.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Vcpu.Run());
    }
}
