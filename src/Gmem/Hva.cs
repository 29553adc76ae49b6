using System.Globalization;

namespace Gmem;

/// <summary>A host virtual address in the VMM's own process (<see cref="IHostProcess"/>).</summary>
/// <param name="Value">The address.</param>
public readonly record struct Hva(ulong Value) : IComparable<Hva>
{
    /// <summary>The null address (a gmem-only memslot may name it).</summary>
    public static Hva Null => default;

    /// <summary>Whether the address is a multiple of the base page size.</summary>
    public bool IsPageAligned => Page.IsAligned(Value);

    /// <summary>The address <paramref name="bytes"/> further on.</summary>
    public static Hva operator +(Hva address, ulong bytes) => new(address.Value + bytes);

    /// <summary>The address <paramref name="bytes"/> further on.</summary>
    public static Hva operator +(Hva address, long bytes) => new(address.Value + (ulong)bytes);

    /// <summary>Bytes between two addresses.</summary>
    public static ulong operator -(Hva end, Hva start) => end.Value - start.Value;

    /// <inheritdoc/>
    public int CompareTo(Hva other) => Value.CompareTo(other.Value);

    /// <summary>Ordering.</summary>
    public static bool operator <(Hva left, Hva right) => left.Value < right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >(Hva left, Hva right) => left.Value > right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Hva left, Hva right) => left.Value <= right.Value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Hva left, Hva right) => left.Value >= right.Value;

    /// <inheritdoc/>
    public override string ToString() => "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}
