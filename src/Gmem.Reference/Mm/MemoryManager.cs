namespace Gmem.Reference.Mm;

/// <summary>
/// The memory management of one Reference host: the frame arena and everything that manages it. One per
/// <see cref="ReferenceHypervisor"/>; Dispose last, after every VM and file.
/// </summary>
public sealed class MemoryManager : IDisposable
{
    /// <summary>Builds the arena, frame table, buddy allocator, huge-page pool, pins, direct map and kernel access for <paramref name="options"/>.</summary>
    public MemoryManager(ReferenceOptions? options = null) => throw new NotImplementedException();

    /// <summary>The frames' memory.</summary>
    public PhysicalMemory Memory => throw new NotImplementedException();

    /// <summary>The frames' metadata.</summary>
    public FrameTable Frames => throw new NotImplementedException();

    /// <summary>The buddy allocator of ordinary frames.</summary>
    public PageAllocator Allocator => throw new NotImplementedException();

    /// <summary>The huge-page pool.</summary>
    public HugePagePool HugePages => throw new NotImplementedException();

    /// <summary>GUP pins.</summary>
    public Pins Pins => throw new NotImplementedException();

    /// <summary>The kernel direct map.</summary>
    public DirectMap DirectMap => throw new NotImplementedException();

    /// <summary>Kernel copies through the direct map.</summary>
    public KernelAccess KernelAccess => throw new NotImplementedException();

    /// <summary>Frames of the buddy allocator and the pool together.</summary>
    public ulong TotalFrames => throw new NotImplementedException();

    /// <summary>Free frames of the buddy allocator and the pool together (equals <see cref="TotalFrames"/> when everything is disposed).</summary>
    public ulong FreeFrames => throw new NotImplementedException();

    /// <summary>The owner gives up <paramref name="folio"/>, wherever it came from.</summary>
    public void Free(Folio folio) => throw new NotImplementedException();

    /// <summary>Zeroes the folio unless its content is already initialised, and marks it so. Returns whether it zeroed.</summary>
    public bool ZeroOnFirstUse(Folio folio) => throw new NotImplementedException();

    /// <summary>The memory-management invariants that do not hold right now (empty when all hold).</summary>
    public IReadOnlyList<string> CheckInvariants() => throw new NotImplementedException();

    /// <summary>Unmaps the arena.</summary>
    public void Dispose() => throw new NotImplementedException();
}
