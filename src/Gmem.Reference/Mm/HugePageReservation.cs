namespace Gmem.Reference.Mm;

/// <summary>Huge pages promised to one owner (a hugetlb guest memory file); Dispose returns what is unused.</summary>
public sealed class HugePageReservation : IDisposable
{
    internal HugePageReservation() => throw new NotImplementedException();

    /// <summary>The order of the reserved pages.</summary>
    public int Order => throw new NotImplementedException();

    /// <summary>Pages reserved.</summary>
    public int Pages => throw new NotImplementedException();

    /// <summary>Pages allocated from the reservation and not yet returned to the pool.</summary>
    public int InUse => throw new NotImplementedException();

    /// <summary>The owner the folios are allocated to.</summary>
    public FrameOwner Owner => throw new NotImplementedException();

    /// <summary>Allocates a huge folio (content NOT zeroed); cannot fail while <see cref="InUse"/> &lt; <see cref="Pages"/>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: every reserved page is in use.</exception>
    public Folio Allocate() => throw new NotImplementedException();

    /// <summary>Like <see cref="Allocate"/>, returning false when every reserved page is in use.</summary>
    public bool TryAllocate(out Folio folio) => throw new NotImplementedException();

    /// <summary>Returns the unused part of the reservation to the pool. Idempotent.</summary>
    public void Dispose() => throw new NotImplementedException();
}
