namespace Gmem.Reference.Cpu;

/// <summary>How a bus operation ended (see <see cref="BusResult"/>).</summary>
public enum BusStatus
{
    /// <summary>The access completed; the CPU uses its data and goes on.</summary>
    Completed = 0,

    /// <summary>
    /// The access did not happen and nothing is reported to the VMM: the fault raced with an
    /// invalidation (spec §3 <c>MustRetry</c>). The CPU re-executes the instruction, as hardware
    /// does when KVM returns to the guest without installing a mapping.
    /// </summary>
    Retry = 1,

    /// <summary>
    /// The access needs the VMM: <see cref="BusResult.Exit"/> is returned from <c>Run</c>. What happens to
    /// the instruction depends on the exit (see <see cref="IGuestBus"/>).
    /// </summary>
    Exit = 2,
}
