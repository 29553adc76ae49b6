using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>Guest access to the frames of the platform's <see cref="FrameAccess"/>.</summary>
internal sealed class FrameAccessMemory : IFrameMemory
{
    private readonly FrameAccess _frames;

    /// <summary>Wraps <paramref name="frames"/>.</summary>
    public FrameAccessMemory(FrameAccess frames)
    {
        _frames = frames;
    }

    /// <inheritdoc/>
    public void Read(Pfn frame, int offset, Span<byte> destination) => _frames.Read(frame, offset, destination);

    /// <inheritdoc/>
    public void Write(Pfn frame, int offset, ReadOnlySpan<byte> source) => _frames.Write(frame, offset, source);

    /// <inheritdoc/>
    public void Fill(Pfn frame, int offset, int length, byte value)
    {
        Span<byte> chunk = stackalloc byte[256];
        chunk.Fill(value);
        while (length > 0)
        {
            int count = Math.Min(length, chunk.Length);
            _frames.Write(frame, offset, chunk[..count]);
            offset += count;
            length -= count;
        }
    }
}
