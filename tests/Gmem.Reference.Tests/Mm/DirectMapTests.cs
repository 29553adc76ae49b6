using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class DirectMapTests
{
    private static MemoryManager CreateOneGiB() => new(new ReferenceOptions { MemoryBytes = 1L << 30, HugePages2M = 2, UseHostHugePages = false });

    [Fact]
    public void Initially_AlignedGigabytesUse1GBlocksAndTheRest2MBlocks()
    {
        using MemoryManager mm = CreateOneGiB();
        Assert.Equal(DirectMapLevel.Pud1G, mm.DirectMap.LevelOf(mm.Memory.Normal.First + 12345));
        Assert.Equal(DirectMapLevel.Pmd2M, mm.DirectMap.LevelOf(mm.Memory.Huge2M.First + 3));
        Assert.Equal(new DirectMapCounters(0, 0, 0, 0), mm.DirectMap.Counters);
    }

    [Fact]
    public void Remove_4KFrameOf1GBlock_SplitsBothLevelsAndFlushesOnce()
    {
        using MemoryManager mm = CreateOneGiB();
        Pfn frame = mm.Memory.Normal.First + 1000;
        mm.DirectMap.Remove(frame, 1);
        Assert.Equal(new DirectMapCounters(Splits1G: 1, Splits2M: 1, TlbFlushes: 1, RemovedFrames: 1), mm.DirectMap.Counters);
        Assert.Equal(DirectMapLevel.NotMapped, mm.DirectMap.LevelOf(frame));
        Assert.Equal(DirectMapLevel.Pte4K, mm.DirectMap.LevelOf(frame + 1));
        Assert.Equal(DirectMapLevel.Pmd2M, mm.DirectMap.LevelOf(frame + 512));

        // A second frame of the same 2 MiB block splits nothing more.
        mm.DirectMap.Remove(frame + 1, 1);
        Assert.Equal(new DirectMapCounters(1, 1, 2, 2), mm.DirectMap.Counters);

        // Restore maps 4 KiB entries again; splits are permanent and adding a mapping needs no flush.
        mm.DirectMap.Restore(frame, 2);
        Assert.Equal(new DirectMapCounters(1, 1, 2, 0), mm.DirectMap.Counters);
        Assert.Equal(DirectMapLevel.Pte4K, mm.DirectMap.LevelOf(frame));
    }

    [Fact]
    public void Remove_WholeAligned2MBlock_SplitsOnlyThe1GBlock()
    {
        using MemoryManager mm = CreateOneGiB();
        Pfn first = mm.Memory.Normal.First + 512 * 7;
        mm.DirectMap.Remove(first, 512);
        Assert.Equal(new DirectMapCounters(1, 0, 1, 512), mm.DirectMap.Counters);
        mm.DirectMap.Restore(first, 512);
        Assert.Equal(DirectMapLevel.Pmd2M, mm.DirectMap.LevelOf(first + 100));
    }

    [Fact]
    public void Remove_Whole1GBlock_SplitsNothing()
    {
        using MemoryManager mm = CreateOneGiB();
        mm.DirectMap.Remove(mm.Memory.Normal.First, 1UL << 18);
        Assert.Equal(new DirectMapCounters(0, 0, 1, 1L << 18), mm.DirectMap.Counters);
        mm.DirectMap.Restore(mm.Memory.Normal.First, 1UL << 18);
        Assert.Equal(DirectMapLevel.Pud1G, mm.DirectMap.LevelOf(mm.Memory.Normal.First));
    }

    [Fact]
    public void Remove_AlreadyRemoved_NeitherFlushesNorCountsAgain()
    {
        using MemoryManager mm = TestMemory.Create();
        Pfn frame = mm.Memory.Normal.First + 3;
        mm.DirectMap.Remove(frame, 1);
        DirectMapCounters before = mm.DirectMap.Counters;
        mm.DirectMap.Remove(frame, 1);
        Assert.Equal(before, mm.DirectMap.Counters);
    }

    [Fact]
    public void Remove_OutsideArena_Throws()
    {
        using MemoryManager mm = TestMemory.Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.DirectMap.Remove(mm.Memory.End, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.DirectMap.Remove(mm.Memory.End + ulong.MaxValue, 2));
    }

    [Fact]
    public void KernelAccess_RemovedFrame_FailsWithEfaultAndNeverTouchesIt()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        mm.Memory.Fill(folio.Head, 1, 0x3C);
        mm.DirectMap.Remove(folio);

        GmemException write = Assert.Throws<GmemException>(() => mm.KernelAccess.Write(folio.Head, 0, new byte[16]));
        Assert.Equal(Errno.EFAULT, write.Errno);
        var buffer = new byte[16];
        Array.Fill(buffer, (byte)0x77);
        GmemException read = Assert.Throws<GmemException>(() => mm.KernelAccess.Read(folio.Head, 0, buffer));
        Assert.Equal(Errno.EFAULT, read.Errno);
        Assert.All(buffer, b => Assert.Equal(0x77, b));
        Assert.False(mm.KernelAccess.TryWrite(folio.Head, 8, new byte[8]));
        Assert.True(mm.Memory.ContentEquals(folio.Head, 0, Enumerable.Repeat((byte)0x3C, Page.Size).ToArray()), "The removed frame was not written.");

        mm.DirectMap.Restore(folio);
        mm.KernelAccess.Write(folio.Head, 4, [1, 2]);
        mm.KernelAccess.Read(folio.Head, 3, buffer.AsSpan(0, 4));
        Assert.Equal(new byte[] { 0x3C, 1, 2, 0x3C }, buffer[..4]);
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void KernelAccess_RangeLeavingTheFrame_Throws()
    {
        using MemoryManager mm = TestMemory.Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.KernelAccess.Read(mm.Memory.Normal.First, Page.Size - 1, new byte[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.KernelAccess.Write(mm.Memory.Normal.First, -1, new byte[1]));
    }

    [Fact]
    public void CheckInvariants_FreeFrameOutOfDirectMap_IsReported()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        mm.DirectMap.Remove(folio);
        TestMemory.AssertInvariants(mm);
        mm.Free(folio);
        Assert.Contains(mm.CheckInvariants(), p => p.Contains("not in the direct map", StringComparison.Ordinal));
        mm.DirectMap.Restore(folio);
        TestMemory.AssertAllFree(mm);
    }
}
