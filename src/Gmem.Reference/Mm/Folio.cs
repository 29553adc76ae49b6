namespace Gmem.Reference.Mm;

/// <summary>
/// A power-of-two run of frames allocated and freed as one unit: the head frame and the order
/// (order 0 = one 4 KiB frame, 9 = 2 MiB, 18 = 1 GiB). The head is aligned to the folio's size.
/// </summary>
/// <param name="Head">The first frame.</param>
/// <param name="Order">log2 of the number of frames.</param>
public readonly record struct Folio(Pfn Head, int Order)
{
    /// <summary>Order of a 2 MiB folio.</summary>
    public const int Order2M = 9;

    /// <summary>Order of a 1 GiB folio.</summary>
    public const int Order1G = 18;

    /// <summary>Number of frames.</summary>
    public ulong Frames => 1UL << Order;

    /// <summary>Size in bytes.</summary>
    public long Bytes => (long)Page.Size << Order;

    /// <summary>The frame after the last one.</summary>
    public Pfn End => Head + Frames;

    /// <summary>Whether the folio is larger than one base page.</summary>
    public bool IsLarge => Order > 0;

    /// <summary>Whether <paramref name="frame"/> lies inside the folio.</summary>
    public bool Contains(Pfn frame) => frame >= Head && frame < End;

    /// <summary>The <paramref name="index"/>-th frame of the folio.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the folio.</exception>
    public Pfn FrameAt(ulong index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Frames);
        return Head + index;
    }

    /// <inheritdoc/>
    public override string ToString() => $"folio {Head} order {Order}";
}
