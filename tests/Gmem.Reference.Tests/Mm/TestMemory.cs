using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

/// <summary>Small memory managers for tests (no host huge pages, so tests never take the host's).</summary>
internal static class TestMemory
{
    public static MemoryManager Create(long memoryMiB = 8, int huge2M = 0, int huge1G = 0, bool hostHugePages = false) =>
        new(new ReferenceOptions
        {
            MemoryBytes = memoryMiB << 20,
            HugePages2M = huge2M,
            HugePages1G = huge1G,
            UseHostHugePages = hostHugePages,
        });

    public static FrameOwner Owner() => FrameOwner.New(FrameOwnerKind.Test);

    public static void AssertInvariants(MemoryManager mm)
    {
        IReadOnlyList<string> problems = mm.CheckInvariants();
        Assert.True(problems.Count == 0, "Invariants broken: " + string.Join(" | ", problems));
    }

    public static void AssertAllFree(MemoryManager mm)
    {
        AssertInvariants(mm);
        Assert.Equal(mm.TotalFrames, mm.FreeFrames);
        Assert.Empty(mm.Frames.EnumerateAllocated());
    }
}
