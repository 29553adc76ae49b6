using Gmem.Reference.Mm;

namespace Gmem.Reference.Kvm;

/// <summary>Guest access to the frame arena of <see cref="PhysicalMemory"/>.</summary>
internal sealed class PhysicalFrameMemory : IFrameMemory
{
    private readonly PhysicalMemory _memory;

    /// <summary>Wraps <paramref name="memory"/>.</summary>
    public PhysicalFrameMemory(PhysicalMemory memory)
    {
        _memory = memory;
    }

    /// <inheritdoc/>
    public Span<byte> GetFrame(Pfn frame) => _memory.GetSpan(frame, 1);
}
