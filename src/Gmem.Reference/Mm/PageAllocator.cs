namespace Gmem.Reference.Mm;

/// <summary>The buddy allocator of the normal segment (see the header comment of the implementation).</summary>
public sealed class PageAllocator : IFolioReleaser
{
    /// <summary>The largest order (2^18 frames = 1 GiB).</summary>
    public const int MaxOrder = 18;

    internal PageAllocator(FrameTable frames, PhysicalSegment segment) => throw new NotImplementedException();

    /// <summary>Frames managed by the allocator.</summary>
    public ulong TotalFrames => throw new NotImplementedException();

    /// <summary>Frames currently free.</summary>
    public ulong FreeFrames => throw new NotImplementedException();

    /// <summary>Free blocks of <paramref name="order"/>.</summary>
    public int FreeBlocks(int order) => throw new NotImplementedException();

    /// <summary>Allocates a folio of <paramref name="order"/> for <paramref name="owner"/> with one reference. Its content is NOT zeroed.</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOMEM"/>: no free block of that order.</exception>
    public Folio Allocate(int order, FrameOwner owner) => throw new NotImplementedException();

    /// <summary>Like <see cref="Allocate"/>, returning false when memory is exhausted.</summary>
    public bool TryAllocate(int order, FrameOwner owner, out Folio folio) => throw new NotImplementedException();

    /// <summary>The owner gives the folio up (drops its reference); the frames are free once every pin is gone.</summary>
    public void Free(Folio folio) => throw new NotImplementedException();

    void IFolioReleaser.ReleaseFolio(Folio folio) => throw new NotImplementedException();
}
