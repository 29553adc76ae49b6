namespace Gmem.Reference.Mm;

/// <summary>The kernel's linear map of every frame (see the header comment of the implementation).</summary>
public sealed class DirectMap
{
    internal DirectMap(FrameTable frames, PhysicalMemory memory) => throw new NotImplementedException();

    /// <summary>Lock shared with <see cref="KernelAccess"/>: removal never overlaps a kernel copy of the same frame.</summary>
    internal object SyncRoot => throw new NotImplementedException();

    /// <summary>The counters so far.</summary>
    public DirectMapCounters Counters => throw new NotImplementedException();

    /// <summary>Removes the frames from the direct map (splitting larger blocks), then flushes the kernel TLB once.</summary>
    public void Remove(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>Removes the folio's frames.</summary>
    public void Remove(Folio folio) => throw new NotImplementedException();

    /// <summary>Maps the frames again (as 4 KiB entries where their block was split; no flush is needed to add a mapping).</summary>
    public void Restore(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>Restores the folio's frames.</summary>
    public void Restore(Folio folio) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="frame"/> is mapped.</summary>
    public bool IsMapped(Pfn frame) => throw new NotImplementedException();

    /// <summary>The size of the entry that maps <paramref name="frame"/>.</summary>
    public DirectMapLevel LevelOf(Pfn frame) => throw new NotImplementedException();
}
