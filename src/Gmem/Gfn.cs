using System.Globalization;

namespace Gmem;

/// <summary>A guest frame number: a guest physical address divided by the page size.</summary>
/// <param name="Value">The frame number.</param>
public readonly record struct Gfn(ulong Value) : IComparable<Gfn>
{
    /// <summary>The first guest physical address of this frame.</summary>
    public Gpa Gpa => new(Value << Page.Shift);

    /// <summary>The frame <paramref name="pages"/> further on.</summary>
    public static Gfn operator +(Gfn frame, ulong pages) => new(frame.Value + pages);

    /// <summary>Pages between two frames.</summary>
    public static ulong operator -(Gfn end, Gfn start) => end.Value - start.Value;

    /// <inheritdoc/>
    public int CompareTo(Gfn other) => Value.CompareTo(other.Value);

    /// <summary>Ordering.</summary>
    public static bool operator <(Gfn left, Gfn right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >(Gfn left, Gfn right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Gfn left, Gfn right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Gfn left, Gfn right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public override string ToString() => "gfn 0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}
