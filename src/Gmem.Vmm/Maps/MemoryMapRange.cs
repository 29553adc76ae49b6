namespace Gmem.Vmm.Maps;

/// <summary>A run of guest physical memory of one kind, mapped (or not) at one stage-2 level.</summary>
/// <param name="Start">First guest physical address.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Kind">Private, shared or hole.</param>
/// <param name="MappingBytes">Size of the stage-2 leaves that map it: 0 (not mapped), 4 KiB, 2 MiB or 1 GiB.</param>
public readonly record struct MemoryMapRange(Gpa Start, ulong Length, MemoryKind Kind, ulong MappingBytes)
{
    /// <summary>The first address after the range.</summary>
    public Gpa End => Start + Length;
}
