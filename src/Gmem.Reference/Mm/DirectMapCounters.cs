namespace Gmem.Reference.Mm;

/// <summary>What the direct map has done so far.</summary>
/// <param name="Splits1G">1 GiB blocks split into 2 MiB blocks.</param>
/// <param name="Splits2M">2 MiB blocks split into 4 KiB entries.</param>
/// <param name="TlbFlushes">Kernel TLB flushes (one per removal call that unmapped something).</param>
/// <param name="RemovedFrames">Frames currently not in the direct map.</param>
public readonly record struct DirectMapCounters(long Splits1G, long Splits2M, long TlbFlushes, long RemovedFrames);
