namespace Gmem.Vmm.X86;

/// <summary>How <see cref="X86Guest.RunToHlt"/> ended.</summary>
public enum X86RunOutcome
{
    /// <summary>The guest reached HLT.</summary>
    Halted,
    /// <summary>The guest took an exception; its handler reported the vector on <see cref="X86GuestLayout.FaultPort"/>.</summary>
    Faulted,
    /// <summary>The I/O handler returned false.</summary>
    Stopped,
    /// <summary>The exit limit was reached before HLT.</summary>
    ExitLimit,
    /// <summary>An exit the loop does not handle (shutdown, internal error, MMIO, memory fault, …).</summary>
    UnexpectedExit,
}
