using System.Runtime.InteropServices;

namespace Gmem.Reference.Mm;

/// <summary>
/// The metadata of one frame, 16 bytes (the kernel's <c>struct page</c>, much reduced). Fields overlap
/// by state as in the kernel: a free buddy block's head reuses the pin and owner words as its free-list
/// links. The reference count is never overlaid, so it reads 0 on every free frame and a speculative
/// "get unless zero" cannot corrupt a free list.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct FrameEntry
{
    /// <summary>No link: the end of a free list.</summary>
    public const uint NoLink = uint.MaxValue;

    /// <summary>References to the folio (head frame of an allocated folio only; the owner holds one, each pin one).</summary>
    [FieldOffset(0)]
    public int RefCount;


    /// <summary>The pin word of this frame, see <see cref="PinWord"/>.</summary>
    [FieldOffset(4)]
    public uint PinState;

    /// <summary>Buddy block head: index of the previous block on its free list.</summary>
    [FieldOffset(4)]
    public uint FreePrev;

    /// <summary>Allocated frame: the owner's id.</summary>
    [FieldOffset(8)]
    public uint OwnerId;

    /// <summary>Buddy block head: index of the next block on its free list.</summary>
    [FieldOffset(8)]
    public uint FreeNext;

    /// <summary><see cref="FrameFlags"/> in bits 0–15, the folio order in bits 16–23, the owner kind in bits 24–31.</summary>
    [FieldOffset(12)]
    public uint Meta;

    public readonly FrameFlags Flags => (FrameFlags)(Meta & 0xFFFF);

    public readonly int Order => (int)((Meta >> 16) & 0xFF);

    public readonly FrameOwnerKind OwnerKind => (FrameOwnerKind)(Meta >> 24);

    /// <summary>Flags other subsystems own, kept when the allocator rewrites a frame's state.</summary>
    public const uint PersistentFlags = (uint)(FrameFlags.Pool | FrameFlags.NoDirectMap | FrameFlags.Poisoned);

    public static uint MakeMeta(FrameFlags flags, int order, FrameOwnerKind kind) =>
        (uint)flags | ((uint)order << 16) | ((uint)kind << 24);
}
