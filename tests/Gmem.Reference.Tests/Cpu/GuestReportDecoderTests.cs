using Gmem.Vmm.Programs;

namespace Gmem.Reference.Tests.Cpu;

public class GuestReportDecoderTests
{
    private static VcpuExit.Io Out(ushort port, uint value, int size = 4)
    {
        var io = new VcpuExit.Io(IoDirection.Out, port, size, 1, new byte[size]) { Value = value };
        return io;
    }

    [Fact]
    public void TryAccept_ReportPorts_DecodesEachKind()
    {
        var decoder = new GuestReportDecoder();

        Assert.True(decoder.TryAccept(Out(GuestProgram.ReportPort, 42)));
        Assert.True(decoder.TryAccept(Out(GuestProgram.MismatchPort, 0x2000_0010)));
        Assert.True(decoder.TryAccept(Out(GuestProgram.MismatchHighPort, 0x3)));
        Assert.True(decoder.TryAccept(Out(GuestProgram.HypercallStatusPort, unchecked((uint)-22))));

        Assert.Equal(
            [
                new GuestReport(GuestReportKind.Value, 42),
                new GuestReport(GuestReportKind.VerifyMismatch, 0x3_2000_0010),
                new GuestReport(GuestReportKind.HypercallFailed, -22),
            ],
            decoder.Reports);
    }

    [Fact]
    public void TryAccept_OtherExits_NotConsumed()
    {
        var decoder = new GuestReportDecoder();

        Assert.False(decoder.TryAccept(Out(0x3f8, 1)));
        Assert.False(decoder.TryAccept(Out(GuestProgram.ReportPort, 1, size: 1)));
        Assert.False(decoder.TryAccept(new VcpuExit.Io(IoDirection.In, GuestProgram.ReportPort, 4, 1, new byte[4])));
        Assert.False(decoder.TryAccept(VcpuExit.Hlt.Instance));
        Assert.Empty(decoder.Reports);
    }
}
