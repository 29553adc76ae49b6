namespace Gmem.Reference.Kvm;

/// <summary>
/// The packed form of a stage-2 entry: bit 0 present, bit 1 leaf, bit 2 private, bit 3 writable,
/// bits 4–5 leaf level, bits 12–63 the pfn of the leaf's first frame.
/// </summary>
internal static class Stage2Entry
{
    /// <summary>A present table entry (the child is kept beside it).</summary>
    public const ulong Table = 1;

    private const ulong PresentBit = 1;
    private const ulong LeafBit = 2;
    private const ulong PrivateBit = 4;
    private const ulong WritableBit = 8;
    private const int LevelShift = 4;
    private const int PfnShift = 12;

    /// <summary>Whether the entry is present.</summary>
    public static bool IsPresent(ulong entry) => (entry & PresentBit) != 0;

    /// <summary>Whether the entry is a leaf.</summary>
    public static bool IsLeaf(ulong entry) => (entry & LeafBit) != 0;

    /// <summary>The kind of a leaf entry.</summary>
    public static MappingKind Kind(ulong entry) => (entry & PrivateBit) != 0 ? MappingKind.Private : MappingKind.Shared;

    /// <summary>Packs a leaf.</summary>
    public static ulong FromLeaf(Stage2Leaf leaf) =>
        PresentBit | LeafBit
        | (leaf.Kind == MappingKind.Private ? PrivateBit : 0)
        | (leaf.Writable ? WritableBit : 0)
        | ((ulong)leaf.Level << LevelShift)
        | (leaf.Pfn.Value << PfnShift);

    /// <summary>Unpacks a leaf whose first guest frame is <paramref name="gfn"/>.</summary>
    public static Stage2Leaf ToLeaf(ulong entry, ulong gfn) =>
        new(new Gfn(gfn), new Pfn(entry >> PfnShift), (MappingLevel)((entry >> LevelShift) & 3), Kind(entry), (entry & WritableBit) != 0);

    /// <summary>The same leaf one level down, <paramref name="pfnOffset"/> frames further (a split).</summary>
    public static ulong WithLevel(ulong entry, int level, ulong pfnOffset)
    {
        ulong pfn = (entry >> PfnShift) + pfnOffset;
        ulong flags = entry & ((1UL << LevelShift) - 1);
        return flags | ((ulong)level << LevelShift) | (pfn << PfnShift);
    }
}
