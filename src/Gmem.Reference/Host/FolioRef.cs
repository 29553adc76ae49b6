namespace Gmem.Reference.Host;

/// <summary>A run of 2^<paramref name="Order"/> frames starting at <paramref name="Head"/> (temporary until Mm.Folio is merged).</summary>
internal readonly record struct FolioRef(Pfn Head, int Order)
{
    /// <summary>Frames in the folio.</summary>
    public ulong Frames => 1UL << Order;
}
