namespace Gmem.Reference.Mm;

/// <summary>The hugetlb-style pool of 2 MiB and 1 GiB frames (see the header comment of the implementation).</summary>
public sealed class HugePagePool : IFolioReleaser
{
    internal HugePagePool(FrameTable frames, PhysicalSegment huge2M, PhysicalSegment huge1G) => throw new NotImplementedException();

    /// <summary>Huge pages of <paramref name="order"/> (<see cref="Folio.Order2M"/> or <see cref="Folio.Order1G"/>) in the pool.</summary>
    public int TotalPages(int order) => throw new NotImplementedException();

    /// <summary>Huge pages of <paramref name="order"/> not allocated (reserved or not).</summary>
    public int FreePages(int order) => throw new NotImplementedException();

    /// <summary>Huge pages of <paramref name="order"/> promised to reservations and not yet allocated.</summary>
    public int ReservedPages(int order) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="frame"/> belongs to the pool.</summary>
    public bool Contains(Pfn frame) => throw new NotImplementedException();

    /// <summary>Reserves <paramref name="pages"/> huge pages of <paramref name="order"/> for <paramref name="owner"/> (taken when a file is created).</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: not enough unreserved free huge pages.</exception>
    public HugePageReservation Reserve(int order, int pages, FrameOwner owner) => throw new NotImplementedException();

    /// <summary>The owner gives up a huge folio, or an order-0 piece of a split one.</summary>
    public void Free(Folio folio) => throw new NotImplementedException();

    /// <summary>Splits an allocated huge folio into order-0 folios, each with one owner reference.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EBUSY"/>: the folio has references beyond its owner's.</exception>
    public void Split(Folio folio) => throw new NotImplementedException();

    /// <summary>Re-forms the huge folio at <paramref name="head"/> if all its frames are allocated to one owner with no other reference.</summary>
    public bool TryMerge(Pfn head, out Folio folio) => throw new NotImplementedException();

    void IFolioReleaser.ReleaseFolio(Folio folio) => throw new NotImplementedException();
}
