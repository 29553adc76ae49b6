namespace Gmem.Vmm.Programs;

/// <summary>What a guest program told the host (see <see cref="GuestReport"/>).</summary>
public enum GuestReportKind
{
    /// <summary>A <see cref="GuestProgram.Report"/> op: the value (32 bits) on <see cref="GuestProgram.ReportPort"/>.</summary>
    Value,

    /// <summary>A <see cref="GuestProgram.Verify"/> op found a mismatch: the guest physical address of the first wrong byte.</summary>
    VerifyMismatch,

    /// <summary>A MAP_GPA_RANGE hypercall returned non-zero: the guest-visible result (e.g. −1000, −22).</summary>
    HypercallFailed,
}
