namespace Gmem.Reference.Mm;

/// <summary>Per-frame metadata of the whole arena, 16 bytes per frame (see the header comment of the implementation).</summary>
public sealed class FrameTable
{
    /// <summary>Bytes of metadata per frame.</summary>
    public const int BytesPerFrame = 16;

    internal FrameTable(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>The first frame described.</summary>
    public Pfn First => throw new NotImplementedException();

    /// <summary>The frame after the last one described.</summary>
    public Pfn End => throw new NotImplementedException();

    /// <summary>Frames described.</summary>
    public ulong Frames => throw new NotImplementedException();

    /// <summary>Bytes of memory the table itself occupies.</summary>
    public long MetadataBytes => throw new NotImplementedException();

    /// <summary>Whether <paramref name="frame"/> is described by the table.</summary>
    public bool Contains(Pfn frame) => throw new NotImplementedException();

    /// <summary>A snapshot of <paramref name="frame"/>'s metadata.</summary>
    public FrameInfo GetInfo(Pfn frame) => throw new NotImplementedException();

    /// <summary>The allocated folio that <paramref name="frame"/> belongs to; false when the frame is free.</summary>
    public bool TryGetFolio(Pfn frame, out Folio folio) => throw new NotImplementedException();

    /// <summary>Whether the folio's content was initialised since allocation (zero on first use: see <see cref="MemoryManager.ZeroOnFirstUse"/>).</summary>
    public bool IsUptodate(Folio folio) => throw new NotImplementedException();

    /// <summary>Marks the folio's content initialised.</summary>
    public void SetUptodate(Folio folio) => throw new NotImplementedException();

    /// <summary>Marks the folio's content as needing initialisation again.</summary>
    public void ClearUptodate(Folio folio) => throw new NotImplementedException();

    /// <summary>Takes an extra reference on an allocated folio; false if it is already free.</summary>
    public bool TryGet(Folio folio) => throw new NotImplementedException();

    /// <summary>Drops a reference; the last one returns the folio to the buddy allocator or the pool.</summary>
    public void Put(Folio folio) => throw new NotImplementedException();

    /// <summary>Every allocated folio with its owner, in frame order. Take it while nothing else runs (invariant checks).</summary>
    public IReadOnlyList<AllocatedFolio> EnumerateAllocated() => throw new NotImplementedException();

    /// <summary>Frames allocated to <paramref name="owner"/> (orphans included).</summary>
    public ulong CountFrames(FrameOwner owner) => throw new NotImplementedException();

    internal ref FrameEntry Entry(Pfn frame) => throw new NotImplementedException();

    internal void RegisterReleaser(PhysicalSegment segment, IFolioReleaser releaser) => throw new NotImplementedException();

    internal void ReleaseByOwner(Folio folio) => throw new NotImplementedException();
}
