using System.Globalization;

namespace Gmem.Vmm.Programs;

/// <summary>
/// An address operand of a guest program: either a fixed guest physical address, or an offset from the
/// cursor of the innermost enclosing <see cref="GuestProgram.ForEachChunk"/> loop.
/// </summary>
/// <param name="Offset">The address (absolute) or the offset from the cursor (relative).</param>
/// <param name="IsCursorRelative">Whether <see cref="Offset"/> is added to the loop cursor at run time.</param>
public readonly record struct GuestAddress(ulong Offset, bool IsCursorRelative)
{
    /// <summary>A fixed guest physical address.</summary>
    public static GuestAddress Absolute(Gpa address) => new(address.Value, false);

    /// <summary>The innermost loop cursor plus <paramref name="offset"/> bytes.</summary>
    public static GuestAddress Cursor(ulong offset = 0) => new(offset, true);

    /// <summary>A fixed guest physical address.</summary>
    public static implicit operator GuestAddress(Gpa address) => Absolute(address);

    /// <summary>A fixed guest physical address (named alternative to the implicit conversion).</summary>
    public static GuestAddress FromGpa(Gpa address) => Absolute(address);

    /// <inheritdoc/>
    public override string ToString() => IsCursorRelative
        ? "cursor+0x" + Offset.ToString("x", CultureInfo.InvariantCulture)
        : "0x" + Offset.ToString("x", CultureInfo.InvariantCulture);
}
