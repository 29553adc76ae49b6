namespace Gmem.Reference.Mm;

/// <summary>One allocated folio as seen by <see cref="FrameTable.EnumerateAllocated"/>.</summary>
/// <param name="Folio">The folio.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="RefCount">Its references (1 = only the owner).</param>
/// <param name="Orphan">The owner has freed it; pins keep it alive until the last unpin.</param>
public readonly record struct AllocatedFolio(Folio Folio, FrameOwner Owner, int RefCount, bool Orphan);
