using System.Globalization;

namespace Gmem.Reference.Mm;

/// <summary>The owner recorded in a frame's metadata: a kind and an id unique among owners.</summary>
/// <param name="Kind">What kind of object owns the frame.</param>
/// <param name="Id">Which one (see <see cref="New"/>); 0 for <see cref="FrameOwnerKind.None"/>.</param>
public readonly record struct FrameOwner(FrameOwnerKind Kind, uint Id)
{
    private static int s_nextId;

    /// <summary>No owner: a free frame.</summary>
    public static FrameOwner None => default;

    /// <summary>Whether this is <see cref="None"/>.</summary>
    public bool IsNone => Kind == FrameOwnerKind.None;

    /// <summary>A new owner of <paramref name="kind"/> with a process-unique id (never 0).</summary>
    public static FrameOwner New(FrameOwnerKind kind)
    {
        uint id = unchecked((uint)Interlocked.Increment(ref s_nextId));
        return new FrameOwner(kind, id == 0 ? unchecked((uint)Interlocked.Increment(ref s_nextId)) : id);
    }

    /// <inheritdoc/>
    public override string ToString() => IsNone ? "none" : Kind + "#" + Id.ToString(CultureInfo.InvariantCulture);
}
