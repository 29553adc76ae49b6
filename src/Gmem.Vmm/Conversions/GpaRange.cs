namespace Gmem.Vmm.Conversions;

/// <summary>A range of guest physical memory [<see cref="Start"/>, <see cref="End"/>).</summary>
/// <param name="Start">First address.</param>
/// <param name="Length">Bytes.</param>
public readonly record struct GpaRange(Gpa Start, ulong Length)
{
    /// <summary>The first address after the range.</summary>
    public Gpa End => Start + Length;

    /// <summary>Pages in the range (rounded up).</summary>
    public ulong Pages => Page.CountPages(Length);

    /// <summary>Whether the two ranges overlap or touch.</summary>
    public bool Adjoins(GpaRange other) => Start <= other.End && other.Start <= End;

    /// <summary>Whether the two ranges share at least one byte.</summary>
    public bool Overlaps(GpaRange other) => Start < other.End && other.Start < End;

    /// <summary>Whether <paramref name="other"/> lies inside this range.</summary>
    public bool Contains(GpaRange other) => Start <= other.Start && other.End <= End;

    /// <inheritdoc/>
    public override string ToString() => $"[{Start}, {End})";
}
