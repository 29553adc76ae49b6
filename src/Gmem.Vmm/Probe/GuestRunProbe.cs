namespace Gmem.Vmm.Probe;

/// <summary>A guest the probe ran on this host.</summary>
/// <param name="Name">What the guest shows.</param>
/// <param name="ReachedHlt">Whether the guest ran to HLT with every checked value right.</param>
/// <param name="Outcome">How the run ended, in words (or the error that stopped it).</param>
/// <param name="IoExits">Port-I/O exits the host handled.</param>
/// <param name="Seconds">Wall time of the run (first KVM_RUN to HLT).</param>
public sealed record GuestRunProbe(string Name, bool ReachedHlt, string Outcome, long IoExits, double Seconds)
{
    /// <summary>Port-I/O exits per second over the run.</summary>
    public double ExitsPerSecond => Seconds > 0 ? IoExits / Seconds : 0;
}
