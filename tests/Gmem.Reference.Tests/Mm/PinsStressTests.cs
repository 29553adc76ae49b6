using System.Diagnostics;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class PinsStressTests
{
    [Fact]
    public void Pin_ExclusiveAndNormalFromTwoThreads_NeverCoexist()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        Pfn frame = folio.Head;
        int violations = 0;
        int exclusiveWins = 0;
        int normalWins = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, 2, t =>
        {
            for (int i = 0; i < 50_000 && clock.Elapsed < TimeSpan.FromSeconds(10); i++)
            {
                PinFlags flags = t == 0 ? PinFlags.Exclusive : (i % 2 == 0 ? PinFlags.None : PinFlags.Longterm);
                if (!mm.Pins.TryPin(frame, flags))
                {
                    continue;
                }

                FrameInfo info = mm.Frames.GetInfo(frame);
                if (info.ExclusivelyPinned && info.PinCount != 1)
                {
                    Interlocked.Increment(ref violations);
                }

                Interlocked.Increment(ref t == 0 ? ref exclusiveWins : ref normalWins);
                mm.Pins.Unpin(frame, flags);
            }
        });
        Assert.Equal(0, violations);
        Assert.True(exclusiveWins > 0 && normalWins > 0, $"Both kinds of pin succeeded some time ({exclusiveWins}, {normalWins}).");
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }
}
