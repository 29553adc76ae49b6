namespace Gmem.Vmm;

/// <summary>How <see cref="MicroVm.Run"/> ended.</summary>
public enum GuestRunOutcome
{
    /// <summary>The guest program halted.</summary>
    Halted,
    /// <summary>The vCPU exited for a reason the VMM does not handle (the last exit says which).</summary>
    UnhandledExit,
    /// <summary>The exit budget ran out.</summary>
    ExitLimit,
    /// <summary>The time budget ran out.</summary>
    TimedOut,
}
