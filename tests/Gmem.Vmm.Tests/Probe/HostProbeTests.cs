using Gmem.TestSupport;
using Gmem.Vmm.Probe;

namespace Gmem.Vmm.Tests.Probe;

public class HostProbeTests
{
    [Fact]
    public void Run_NoDevice_ReportsUnavailableWithErrno()
    {
        HostProbeReport report = HostProbe.Run("/nonexistent/kvm", portIoExits: 0);

        Assert.False(report.Available);
        Assert.Contains("/nonexistent/kvm", report.UnavailableReason, StringComparison.Ordinal);
        Assert.Contains("ENOENT", report.UnavailableReason, StringComparison.Ordinal);
        Assert.Empty(report.Guests);
    }

    [KvmFact]
    public void Run_Kvm_EveryCapabilityVmTypeAndFlagAnsweredByTheKernel()
    {
        HostProbeReport report = HostProbe.Run(portIoExits: 1_000);

        Assert.True(report.Available, report.UnavailableReason);
        Assert.Equal(Enum.GetValues<Capability>().Length, report.Capabilities.Count);
        Assert.Equal(HostProbe.MaxVmType + 1, report.VmTypes.Count);
        Assert.All(report.VmTypes, t => Assert.Equal(t.InCapability, t.Accepted));
        Assert.True(report.GuestMemfdFlagsMatchCapability, $"accepted 0x{report.AcceptedGuestMemfdFlags:x}, capability {report.GuestMemfdFlagsCapability}");
        Assert.Equal(3, report.Guests.Count);
        Assert.All(report.Guests, g => Assert.True(g.ReachedHlt, $"{g.Name}: {g.Outcome}"));
        Assert.Equal(1_000, report.Guests[2].IoExits);
    }
}
