namespace Gmem.Reference.Mm;

/// <summary>A snapshot of one frame's metadata.</summary>
/// <param name="Frame">The frame.</param>
/// <param name="Flags">Its flags.</param>
/// <param name="Order">Order of the folio or free block it heads or belongs to.</param>
/// <param name="Owner">Its owner (<see cref="FrameOwner.None"/> when free in the buddy allocator).</param>
/// <param name="RefCount">References to its folio (head frames of allocated folios; 0 otherwise).</param>
/// <param name="PinCount">Pins on this frame (an exclusive pin counts as one).</param>
/// <param name="LongtermPinCount">How many of those are long-term.</param>
/// <param name="ExclusivelyPinned">Whether an exclusive pin is held.</param>
public readonly record struct FrameInfo(
    Pfn Frame,
    FrameFlags Flags,
    int Order,
    FrameOwner Owner,
    int RefCount,
    int PinCount,
    int LongtermPinCount,
    bool ExclusivelyPinned)
{
    /// <summary>Whether the frame is free in the buddy allocator or the pool.</summary>
    public bool IsFree => Owner.Kind is FrameOwnerKind.None or FrameOwnerKind.HugePagePool;
}
