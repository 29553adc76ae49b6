namespace Gmem.Reference.Kvm;

/// <summary>One stage-2 leaf: [Gfn, Gfn + pages(Level)) → [Pfn, …).</summary>
/// <param name="Gfn">First guest frame (aligned to the level).</param>
/// <param name="Pfn">First host frame (aligned to the level).</param>
/// <param name="Level">Leaf size.</param>
/// <param name="Kind">Private or shared.</param>
/// <param name="Writable">Whether guest writes are allowed.</param>
internal readonly record struct Stage2Leaf(Gfn Gfn, Pfn Pfn, MappingLevel Level, MappingKind Kind, bool Writable)
{
    /// <summary>Guest pages covered by a leaf of <paramref name="level"/>.</summary>
    public static ulong PagesAt(MappingLevel level) => 1UL << (9 * (int)level);

    /// <summary>Guest pages covered by this leaf.</summary>
    public ulong Pages => PagesAt(Level);

    /// <summary>One past the last guest frame.</summary>
    public Gfn End => Gfn + Pages;
}
