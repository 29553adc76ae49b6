namespace Gmem.Vmm.Bench;

/// <summary>What <see cref="QuickBench.Run"/> measured.</summary>
/// <param name="PortIoExit">Port-I/O exit round trip (KVM_RUN → OUT exit → handler → KVM_RUN).</param>
/// <param name="StartToHlt">VM start to first HLT with a guest_memfd-backed memslot.</param>
/// <param name="BaselineUnavailableReason">Why the C side did not run, or null.</param>
public sealed record QuickBenchResult(BenchPair PortIoExit, BenchPair StartToHlt, string? BaselineUnavailableReason);
