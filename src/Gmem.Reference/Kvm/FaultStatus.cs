namespace Gmem.Reference.Kvm;

/// <summary>How a stage-2 fault ended.</summary>
internal enum FaultStatus
{
    /// <summary>A leaf is installed; the access can be replayed.</summary>
    Mapped,

    /// <summary>An invalidation raced with the fault; nothing installed, re-execute.</summary>
    Retry,

    /// <summary>The VMM must act: <see cref="FaultOutcome.Exit"/> (a memory-fault exit).</summary>
    Exit,

    /// <summary>No memslot (or a write to a READONLY slot): emulated MMIO.</summary>
    Mmio,
}
