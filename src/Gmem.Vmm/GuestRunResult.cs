using Gmem.Vmm.Programs;

namespace Gmem.Vmm;

/// <summary>What one <see cref="MicroVm.Run"/> observed.</summary>
/// <param name="Outcome">How the run ended.</param>
/// <param name="LastExit">The exit that ended it (of the first vCPU that did not halt, else of vCPU 0).</param>
/// <param name="ExitsByReason">vCPU exits by kind ("io", "hlt", "memory-fault", "hypercall", …), as the platform delivered them.</param>
/// <param name="Reports">The guest programs' reports: vCPU 0's in order, then vCPU 1's, …</param>
/// <param name="ConversionBatches">Conversion batches carried out.</param>
/// <param name="PagesConverted">Pages converted.</param>
/// <param name="MemoryFaults">Memory-fault exits (private/shared mismatches) handled.</param>
public sealed record GuestRunResult(GuestRunOutcome Outcome, VcpuExit LastExit, IReadOnlyDictionary<string, long> ExitsByReason,
    IReadOnlyList<GuestReport> Reports, long ConversionBatches, long PagesConverted, long MemoryFaults)
{
    /// <summary>Each vCPU's reports, by vCPU index (<see cref="Reports"/> is them all, vCPU 0's first).</summary>
    public IReadOnlyList<IReadOnlyList<GuestReport>> ReportsByVcpu { get; init; } = [];

    /// <summary>The values of the <see cref="GuestReportKind.Value"/> reports, in order.</summary>
    public IEnumerable<long> Values => Reports.Where(r => r.Kind == GuestReportKind.Value).Select(r => r.Value);

    /// <summary>Total vCPU exits.</summary>
    public long Exits => ExitsByReason.Values.Sum();
}
