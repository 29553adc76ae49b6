using System.Globalization;

namespace Gmem;

/// <summary>A host frame number: the index of a host physical page (Reference platform).</summary>
/// <param name="Value">The frame number.</param>
public readonly record struct Pfn(ulong Value) : IComparable<Pfn>
{
    /// <summary>The frame <paramref name="frames"/> further on.</summary>
    public static Pfn operator +(Pfn frame, ulong frames) => new(frame.Value + frames);

    /// <inheritdoc/>
    public int CompareTo(Pfn other) => Value.CompareTo(other.Value);

    /// <summary>Ordering.</summary>
    public static bool operator <(Pfn left, Pfn right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >(Pfn left, Pfn right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Pfn left, Pfn right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Pfn left, Pfn right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public override string ToString() => "pfn 0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}
