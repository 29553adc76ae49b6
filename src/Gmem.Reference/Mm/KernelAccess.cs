namespace Gmem.Reference.Mm;

/// <summary>Kernel copies of frame content through the direct map (see the header comment of the implementation).</summary>
public sealed class KernelAccess
{
    internal KernelAccess(PhysicalMemory memory, DirectMap directMap) => throw new NotImplementedException();

    /// <summary>Copies from <paramref name="offset"/> bytes into <paramref name="frame"/> (within the frame).</summary>
    /// <exception cref="GmemException"><see cref="Errno.EFAULT"/>: the frame is not in the direct map.</exception>
    public void Read(Pfn frame, int offset, Span<byte> destination) => throw new NotImplementedException();

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> bytes into <paramref name="frame"/> (within the frame).</summary>
    /// <exception cref="GmemException"><see cref="Errno.EFAULT"/>: the frame is not in the direct map.</exception>
    public void Write(Pfn frame, int offset, ReadOnlySpan<byte> source) => throw new NotImplementedException();

    /// <summary>Like <see cref="Read"/>, returning false instead of throwing on a removed frame.</summary>
    public bool TryRead(Pfn frame, int offset, Span<byte> destination) => throw new NotImplementedException();

    /// <summary>Like <see cref="Write"/>, returning false instead of throwing on a removed frame.</summary>
    public bool TryWrite(Pfn frame, int offset, ReadOnlySpan<byte> source) => throw new NotImplementedException();
}
