namespace Gmem.Reference.Kvm;

/// <summary>
/// The bytes of a host frame as the guest reaches them through a stage-2 leaf (no direct map, no
/// host page table: the hardware path). <see cref="PhysicalFrameMemory"/> adapts the frame arena.
/// </summary>
internal interface IFrameMemory
{
    /// <summary>The 4 KiB of <paramref name="frame"/>; valid while the caller holds the mmu lock.</summary>
    Span<byte> GetFrame(Pfn frame);
}
