namespace Gmem.Vmm.X86;

/// <summary>What <see cref="X86Guest.RunToHlt"/> saw.</summary>
/// <param name="Outcome">How the run ended.</param>
/// <param name="IoExits">Port-I/O exits handed to the handler (the fault report not counted).</param>
/// <param name="LastExit">The exit that ended the run.</param>
/// <param name="FaultVector">For <see cref="X86RunOutcome.Faulted"/>, the exception vector; otherwise -1.</param>
public readonly record struct X86RunResult(X86RunOutcome Outcome, long IoExits, VcpuExit LastExit, int FaultVector)
{
    /// <inheritdoc/>
    public override string ToString() => Outcome switch
    {
        X86RunOutcome.Faulted => $"guest exception {FaultVector} after {IoExits} I/O exits",
        X86RunOutcome.UnexpectedExit => $"unexpected exit {LastExit} after {IoExits} I/O exits",
        _ => $"{Outcome} after {IoExits} I/O exits",
    };
}
