using System.Globalization;

namespace Gmem;

/// <summary>An offset inside a guest memory file, in pages (the kernel's <c>pgoff</c>).</summary>
/// <param name="Value">The page index.</param>
public readonly record struct PageIndex(ulong Value) : IComparable<PageIndex>
{
    /// <summary>The page index that holds byte <paramref name="offset"/> of the file.</summary>
    public static PageIndex FromOffset(long offset) => new((ulong)offset >> Page.Shift);

    /// <summary>The byte offset of the first byte of this page.</summary>
    public long Offset => (long)(Value << Page.Shift);

    /// <summary>The index <paramref name="pages"/> further on.</summary>
    public static PageIndex operator +(PageIndex index, ulong pages) => new(index.Value + pages);

    /// <summary>Pages between two indices.</summary>
    public static ulong operator -(PageIndex end, PageIndex start) => end.Value - start.Value;

    /// <inheritdoc/>
    public int CompareTo(PageIndex other) => Value.CompareTo(other.Value);

    /// <summary>Ordering.</summary>
    public static bool operator <(PageIndex left, PageIndex right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >(PageIndex left, PageIndex right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(PageIndex left, PageIndex right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(PageIndex left, PageIndex right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public override string ToString() => "page " + Value.ToString(CultureInfo.InvariantCulture);
}
