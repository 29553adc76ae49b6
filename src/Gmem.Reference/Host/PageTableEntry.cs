namespace Gmem.Reference.Host;

/// <summary>A host page table entry of the simulated process.</summary>
/// <param name="Frame">The frame mapped.</param>
/// <param name="Writable">Whether writes go through without a fault (false: a copy-on-write candidate).</param>
/// <param name="IsAnonymous">Whether the frame is owned by the area (anonymous or a private copy).</param>
internal readonly record struct PageTableEntry(Pfn Frame, bool Writable, bool IsAnonymous);
