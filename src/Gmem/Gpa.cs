using System.Globalization;

namespace Gmem;

/// <summary>A guest physical address.</summary>
/// <param name="Value">The address as the guest sees it.</param>
public readonly record struct Gpa(ulong Value) : IComparable<Gpa>
{
    /// <summary>The guest frame that holds this address.</summary>
    public Gfn Gfn => new(Value >> Page.Shift);

    /// <summary>Whether the address is a multiple of the base page size.</summary>
    public bool IsPageAligned => Page.IsAligned(Value);

    /// <summary>Whether the address is a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public bool IsAligned(ulong alignment) => (Value & (alignment - 1)) == 0;

    /// <summary>The address rounded down to a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public Gpa AlignDown(ulong alignment) => new(Value & ~(alignment - 1));

    /// <summary>The address <paramref name="bytes"/> further on.</summary>
    public static Gpa operator +(Gpa address, ulong bytes) => new(address.Value + bytes);

    /// <summary>Bytes between two addresses.</summary>
    public static ulong operator -(Gpa end, Gpa start) => end.Value - start.Value;

    /// <inheritdoc/>
    public int CompareTo(Gpa other) => Value.CompareTo(other.Value);

    /// <summary>Ordering.</summary>
    public static bool operator <(Gpa left, Gpa right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >(Gpa left, Gpa right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Gpa left, Gpa right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Gpa left, Gpa right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public override string ToString() => "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}
