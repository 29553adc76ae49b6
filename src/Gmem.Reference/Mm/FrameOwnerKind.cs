namespace Gmem.Reference.Mm;

/// <summary>Who holds a frame (the invariant "every allocated frame has exactly one owner").</summary>
public enum FrameOwnerKind : byte
{
    /// <summary>Nobody: the frame is free in the buddy allocator.</summary>
    None = 0,
    /// <summary>The huge-page pool: a free pool frame (reserved or not).</summary>
    HugePagePool = 1,
    /// <summary>A guest memory file page (the id names the inode).</summary>
    GuestMemfd = 2,
    /// <summary>An anonymous or memfd page of the host process.</summary>
    Anonymous = 3,
    /// <summary>A page-table page (stage 2).</summary>
    PageTable = 4,
    /// <summary>The kernel itself (e.g. a vCPU's run page).</summary>
    Kernel = 5,
    /// <summary>Tests and benchmarks.</summary>
    Test = 6,
}
