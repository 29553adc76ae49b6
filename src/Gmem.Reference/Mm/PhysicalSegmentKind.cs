namespace Gmem.Reference.Mm;

/// <summary>The parts of the frame arena.</summary>
public enum PhysicalSegmentKind
{
    /// <summary>Ordinary memory managed by the buddy <see cref="PageAllocator"/>.</summary>
    Normal,
    /// <summary>The 2 MiB frames of the <see cref="HugePagePool"/>.</summary>
    Huge2M,
    /// <summary>The 1 GiB frames of the <see cref="HugePagePool"/>.</summary>
    Huge1G,
}
