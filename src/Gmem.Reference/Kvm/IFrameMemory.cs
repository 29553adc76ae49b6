namespace Gmem.Reference.Kvm;

/// <summary>
/// The bytes of host frames as the guest reaches them through a stage-2 leaf (the hardware path: no
/// direct map, no host page table). <see cref="FrameAccessMemory"/> adapts the platform's frames.
/// Callers hold the mmu lock (read), which keeps the frame from being freed during the copy.
/// </summary>
internal interface IFrameMemory
{
    /// <summary>Copies from <paramref name="frame"/> at <paramref name="offset"/>.</summary>
    void Read(Pfn frame, int offset, Span<byte> destination);

    /// <summary>Copies into <paramref name="frame"/> at <paramref name="offset"/>.</summary>
    void Write(Pfn frame, int offset, ReadOnlySpan<byte> source);

    /// <summary>Stores <paramref name="value"/> into <paramref name="length"/> bytes of <paramref name="frame"/>.</summary>
    void Fill(Pfn frame, int offset, int length, byte value);
}
