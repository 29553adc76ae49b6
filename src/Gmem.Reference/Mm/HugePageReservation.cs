namespace Gmem.Reference.Mm;

/// <summary>
/// Huge pages promised to one owner (a hugetlb guest memory file, at creation); allocating from it cannot
/// fail while fewer than <see cref="Pages"/> are in use. Dispose (the file goes) returns the unused promises.
/// Thread-safe: the state is kept under the pool's lock.
/// </summary>
public sealed class HugePageReservation : IDisposable
{
    private readonly HugePagePool _pool;

    internal HugePageReservation(HugePagePool pool, int order, int pages, FrameOwner owner)
    {
        _pool = pool;
        Order = order;
        Pages = pages;
        Owner = owner;
    }

    /// <summary>The order of the reserved pages.</summary>
    public int Order { get; }

    /// <summary>Pages reserved.</summary>
    public int Pages { get; }

    /// <summary>Pages allocated from the reservation and not yet back in the pool.</summary>
    public int InUse => _pool.InUse(this);

    /// <summary>The owner the folios are allocated to.</summary>
    public FrameOwner Owner { get; }

    internal int InUseLocked { get; set; }

    internal bool IsDisposedLocked { get; set; }

    /// <summary>Allocates a huge folio (content NOT zeroed); cannot fail while <see cref="InUse"/> &lt; <see cref="Pages"/>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: every reserved page is in use, or the reservation was disposed.</exception>
    public Folio Allocate()
    {
        if (!TryAllocate(out Folio folio))
        {
            throw new GmemException("alloc_hugetlb_folio", Errno.ENOMEM, $"All {Pages} reserved huge pages are in use.");
        }

        return folio;
    }

    /// <summary>Like <see cref="Allocate"/>, returning false when every reserved page is in use.</summary>
    public bool TryAllocate(out Folio folio) => _pool.TryAllocateReserved(this, out folio);

    /// <summary>Returns the unused part of the reservation to the pool. Idempotent.</summary>
    public void Dispose() => _pool.Unreserve(this);
}
