namespace Gmem.Reference.Mm;

/// <summary>Per-frame flag bits (the kernel's <c>page-&gt;flags</c>), kept in <see cref="FrameTable"/>.</summary>
[Flags]
public enum FrameFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>The first frame of an allocated folio (holds the folio's reference count).</summary>
    Head = 1 << 0,
    /// <summary>The first frame of a free block on a buddy free list.</summary>
    Buddy = 1 << 1,
    /// <summary>The frame belongs to the huge-page pool, never to the buddy allocator.</summary>
    Pool = 1 << 2,
    /// <summary>The folio's content has been initialised (zeroed or written) since it was allocated.</summary>
    Uptodate = 1 << 3,
    /// <summary>The owner released the folio while references (pins) remained; it is freed on the last put.</summary>
    Orphan = 1 << 4,
    /// <summary>The frame is not in the kernel direct map (see <see cref="DirectMap"/>).</summary>
    NoDirectMap = 1 << 5,
    /// <summary>The frame is poisoned (memory error).</summary>
    Poisoned = 1 << 6,
    /// <summary>A pool huge frame that was split into order-0 frames (set on every frame of it).</summary>
    Split = 1 << 7,
}
