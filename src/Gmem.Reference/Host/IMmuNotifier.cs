namespace Gmem.Reference.Host;

/// <summary>
/// A secondary MMU that derives mappings from host page table entries (the kernel's mmu notifier): it
/// is told before entries of [start, end) go and after they are gone, so that it can zap what it
/// derived and make racing faults retry (spec §3, "HVA-based invalidations").
/// </summary>
internal interface IMmuNotifier
{
    /// <summary>Host entries of [start, end) are about to be removed or replaced.</summary>
    void InvalidateRangeStart(Hva start, Hva end);

    /// <summary>The entries of [start, end) are gone.</summary>
    void InvalidateRangeEnd(Hva start, Hva end);
}
