using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class PinsTests
{
    /// <summary>
    /// The exclusive-pin rules as a table. Steps: pN/pL/pX/pXL pin (normal, long-term, exclusive,
    /// exclusive long-term), uN/uL/uX/uXL unpin, free/share run the release hook. Outcomes: ok, EBUSY,
    /// false (unpin of an exclusive pin the hook already released), throws (no such pin), or the number
    /// of exclusive pins a hook released.
    /// </summary>
    [Theory]
    // Every ordered pair of pins.
    [InlineData("pN=ok pN=ok")]
    [InlineData("pN=ok pL=ok")]
    [InlineData("pN=ok pX=EBUSY")]
    [InlineData("pN=ok pXL=EBUSY")]
    [InlineData("pL=ok pN=ok")]
    [InlineData("pL=ok pL=ok")]
    [InlineData("pL=ok pX=EBUSY")]
    [InlineData("pL=ok pXL=EBUSY")]
    [InlineData("pX=ok pN=EBUSY")]
    [InlineData("pX=ok pL=EBUSY")]
    [InlineData("pX=ok pX=EBUSY")]
    [InlineData("pX=ok pXL=EBUSY")]
    [InlineData("pXL=ok pN=EBUSY")]
    [InlineData("pXL=ok pL=EBUSY")]
    [InlineData("pXL=ok pX=EBUSY")]
    [InlineData("pXL=ok pXL=EBUSY")]
    // Unpin lifts the conflict.
    [InlineData("pN=ok uN=ok pX=ok")]
    [InlineData("pL=ok uL=ok pXL=ok")]
    [InlineData("pN=ok pN=ok uN=ok pX=EBUSY uN=ok pX=ok")]
    [InlineData("pN=ok pL=ok uL=ok pX=EBUSY uN=ok pXL=ok")]
    [InlineData("pX=ok uX=ok pN=ok")]
    [InlineData("pXL=ok uXL=ok pL=ok")]
    [InlineData("pX=ok uX=ok pX=ok")]
    [InlineData("pX=ok pN=EBUSY uX=ok pN=ok pL=ok")]
    // Release on free and on share.
    [InlineData("pX=ok free=1 pN=ok")]
    [InlineData("pX=ok free=1 uX=false")]
    [InlineData("pXL=ok share=1 uXL=false pL=ok")]
    [InlineData("pX=ok share=1 pX=ok")]
    [InlineData("pN=ok free=0 pX=EBUSY")]
    [InlineData("pL=ok share=0 uL=ok")]
    [InlineData("free=0 share=0 pX=ok")]
    // Unpinning what is not held.
    [InlineData("uN=throws")]
    [InlineData("pX=ok uN=throws")]
    [InlineData("pN=ok uL=throws")]
    [InlineData("pX=ok uXL=throws")]
    public void Pin_Sequence_FollowsExclusiveRules(string steps)
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        Pfn frame = folio.Head;
        var held = new List<PinFlags>();
        foreach (string step in steps.Split(' '))
        {
            string[] parts = step.Split('=');
            string action = parts[0];
            string expected = parts[1];
            if (action is "free" or "share")
            {
                int released = action == "free" ? mm.Pins.ReleaseExclusiveOnFree(folio) : mm.Pins.ReleaseExclusiveOnShare(frame, 1);
                Assert.True(int.Parse(expected) == released, $"{step}: the hook released {released} exclusive pins.");
                held.RemoveAll(f => f.HasFlag(PinFlags.Exclusive));
                continue;
            }

            PinFlags flags = action[1..] switch
            {
                "N" => PinFlags.None,
                "L" => PinFlags.Longterm,
                "X" => PinFlags.Exclusive,
                "XL" => PinFlags.Exclusive | PinFlags.Longterm,
                _ => throw new ArgumentException(action),
            };
            if (action[0] == 'p')
            {
                if (expected == "ok")
                {
                    mm.Pins.Pin(frame, flags);
                    held.Add(flags);
                }
                else
                {
                    GmemException e = Assert.Throws<GmemException>(() => mm.Pins.Pin(frame, flags));
                    Assert.True(e.Errno == Errno.EBUSY, $"{step}: got {e.Errno}.");
                    Assert.False(mm.Pins.TryPin(frame, flags), $"{step}: TryPin agrees with Pin.");
                }
            }
            else if (expected == "throws")
            {
                Assert.Throws<InvalidOperationException>(() => mm.Pins.Unpin(frame, flags));
            }
            else
            {
                bool dropped = mm.Pins.Unpin(frame, flags);
                Assert.True(dropped == (expected == "ok"), $"{step}: Unpin returned {dropped}.");
                held.Remove(flags);
            }

            TestMemory.AssertInvariants(mm);
            Assert.Equal(held.Count, mm.Pins.PinCount(frame));
            Assert.Equal(held.Any(f => f.HasFlag(PinFlags.Exclusive)), mm.Pins.IsExclusivelyPinned(frame));
            Assert.Equal(held.Count(f => f.HasFlag(PinFlags.Longterm)), mm.Frames.GetInfo(frame).LongtermPinCount);
            Assert.Equal(1 + held.Count, mm.Frames.GetInfo(frame).RefCount);
        }

        foreach (PinFlags flags in held)
        {
            Assert.True(mm.Pins.Unpin(frame, flags));
        }

        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void ReleaseExclusiveOnFree_ThenFree_ReturnsFramesAtOnce()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(2, TestMemory.Owner());
        mm.Pins.Pin(folio.Head + 1, PinFlags.Exclusive | PinFlags.Longterm);
        mm.Pins.Pin(folio.Head + 3, PinFlags.Exclusive);
        Assert.Equal(2, mm.Pins.ReleaseExclusiveOnFree(folio));
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Free_WhileNormallyPinned_KeepsOrphanUntilUnpin()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        mm.Pins.Pin(folio.Head, PinFlags.Longterm);
        Assert.Equal(0, mm.Pins.ReleaseExclusiveOnFree(folio));
        mm.Free(folio);
        Assert.True(Assert.Single(mm.Frames.EnumerateAllocated()).Orphan);
        Assert.NotEqual(mm.TotalFrames, mm.FreeFrames);
        TestMemory.AssertInvariants(mm);
        Assert.True(mm.Pins.Unpin(folio.Head, PinFlags.Longterm));
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Pin_FreeFrame_FailsWithEfault()
    {
        using MemoryManager mm = TestMemory.Create();
        GmemException e = Assert.Throws<GmemException>(() => mm.Pins.Pin(mm.Memory.Normal.First + 5, PinFlags.None));
        Assert.Equal(Errno.EFAULT, e.Errno);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void ReleaseExclusiveOnShare_PartOfFolio_ReleasesOnlyThatRange()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(1, TestMemory.Owner());
        mm.Pins.Pin(folio.Head, PinFlags.Exclusive);
        mm.Pins.Pin(folio.Head + 1, PinFlags.Exclusive);
        Assert.Equal(1, mm.Pins.ReleaseExclusiveOnShare(folio.Head + 1, 1));
        Assert.True(mm.Pins.IsExclusivelyPinned(folio.Head));
        Assert.False(mm.Pins.IsExclusivelyPinned(folio.Head + 1));
        Assert.True(mm.Pins.Unpin(folio.Head, PinFlags.Exclusive));
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }
}
