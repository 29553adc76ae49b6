// Turns the port I/O of a guest program into reports. The protocol (same on every backend):
//   OUT ReportPort,           dword value           → Value
//   OUT MismatchPort,         dword low 32 bits      \ → VerifyMismatch (the high half completes it)
//   OUT MismatchHighPort,     dword high 32 bits     /
//   OUT HypercallStatusPort,  dword (int) result     → HypercallFailed
// Not thread-safe: one decoder per vCPU exit loop.
namespace Gmem.Vmm.Programs;

/// <summary>Collects the reports of a running guest program from its <see cref="VcpuExit.Io"/> exits.</summary>
public sealed class GuestReportDecoder
{
    private readonly List<GuestReport> _reports = [];
    private uint? _mismatchLow;

    /// <summary>The reports so far, in the order the guest made them.</summary>
    public IReadOnlyList<GuestReport> Reports => _reports;

    /// <summary>The values of the <see cref="GuestReportKind.Value"/> reports, in order.</summary>
    public IEnumerable<uint> Values => _reports.Where(r => r.Kind == GuestReportKind.Value).Select(r => (uint)r.Value);

    /// <summary>Consumes <paramref name="exit"/> if it is an OUT to one of the report ports.</summary>
    /// <returns>Whether the exit was a report (the caller just runs the vCPU again).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exit"/> is null.</exception>
    public bool TryAccept(VcpuExit exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        if (exit is not VcpuExit.Io { Direction: IoDirection.Out, Size: 4 } io)
        {
            return false;
        }

        switch (io.Port)
        {
            case GuestProgram.ReportPort:
                _reports.Add(new GuestReport(GuestReportKind.Value, io.Value));
                return true;
            case GuestProgram.MismatchPort:
                _mismatchLow = io.Value;
                return true;
            case GuestProgram.MismatchHighPort:
                ulong address = ((ulong)io.Value << 32) | (_mismatchLow ?? 0);
                _mismatchLow = null;
                _reports.Add(new GuestReport(GuestReportKind.VerifyMismatch, (long)address));
                return true;
            case GuestProgram.HypercallStatusPort:
                _reports.Add(new GuestReport(GuestReportKind.HypercallFailed, (int)io.Value));
                return true;
            default:
                return false;
        }
    }
}
