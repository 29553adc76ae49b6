using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class PageAllocatorTests
{
    [Fact]
    public void Constructor_OneGiB_IsOneMaxOrderBlock()
    {
        using var mm = new MemoryManager(new ReferenceOptions { HugePages2M = 0, UseHostHugePages = false });
        Assert.Equal(1, mm.Allocator.FreeBlocks(PageAllocator.MaxOrder));
        Assert.Equal(mm.Allocator.TotalFrames, mm.Allocator.FreeFrames);
        Folio whole = mm.Allocator.Allocate(PageAllocator.MaxOrder, TestMemory.Owner());
        Assert.Equal(0UL, mm.Allocator.FreeFrames);
        mm.Free(whole);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Allocate_EveryFrame_ThenEnomem_AndFreeMergesBack()
    {
        using MemoryManager mm = TestMemory.Create(memoryMiB: 4);
        FrameOwner owner = TestMemory.Owner();
        var folios = new List<Folio>();
        var seen = new HashSet<Pfn>();
        while (mm.Allocator.TryAllocate(0, owner, out Folio folio))
        {
            Assert.True(seen.Add(folio.Head), $"{folio} handed out twice.");
            folios.Add(folio);
        }

        Assert.Equal((int)mm.Allocator.TotalFrames, folios.Count);
        GmemException e = Assert.Throws<GmemException>(() => mm.Allocator.Allocate(0, owner));
        Assert.Equal(Errno.ENOMEM, e.Errno);
        foreach (Folio folio in folios.OrderBy(f => f.Head.Value * 7919 % 1031))
        {
            mm.Free(folio);
        }

        TestMemory.AssertAllFree(mm);
        Assert.Equal(1, mm.Allocator.FreeBlocks(Folio.Order2M + 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(9)]
    public void Allocate_Order_IsAlignedToItsSize(int order)
    {
        using MemoryManager mm = TestMemory.Create();
        Folio small = mm.Allocator.Allocate(0, TestMemory.Owner());
        Folio folio = mm.Allocator.Allocate(order, TestMemory.Owner());
        Assert.Equal(0UL, folio.Head.Value & (folio.Frames - 1));
        Assert.Equal(order, folio.Order);
        mm.Free(small);
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Allocate_ReusedFrame_IsNotZeroedUntilFirstUse()
    {
        using MemoryManager mm = TestMemory.Create();
        FrameOwner owner = TestMemory.Owner();
        Folio first = mm.Allocator.Allocate(0, owner);
        mm.Memory.Fill(first.Head, 1, 0xCC);
        mm.Frames.SetUptodate(first);
        mm.Free(first);
        Folio again = mm.Allocator.Allocate(0, owner);
        Assert.Equal(first, again);
        Assert.False(mm.Frames.IsUptodate(again), "A fresh folio needs initialisation.");
        Assert.False(mm.Memory.IsZero(again.Head, 1), "Allocation does not zero.");
        Assert.True(mm.ZeroOnFirstUse(again));
        Assert.True(mm.Memory.IsZero(again.Head, 1));
        mm.Memory.Fill(again.Head, 1, 0x11);
        Assert.False(mm.ZeroOnFirstUse(again), "Only the first use zeroes.");
        Assert.False(mm.Memory.IsZero(again.Head, 1));
        mm.Free(again);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void ZeroOnFirstUse_Batch_ZeroesOnlyFoliosNotYetUptodate()
    {
        using MemoryManager mm = TestMemory.Create();
        FrameOwner owner = TestMemory.Owner();
        Folio[] folios = [mm.Allocator.Allocate(0, owner), mm.Allocator.Allocate(2, owner), mm.Allocator.Allocate(0, owner)];
        foreach (Folio folio in folios)
        {
            mm.Memory.Fill(folio.Head, folio.Frames, 0xEE);
        }

        mm.Frames.SetUptodate(folios[2]);
        Assert.Equal(2, mm.ZeroOnFirstUse(folios));
        Assert.True(mm.Memory.IsZero(folios[0].Head, 1));
        Assert.True(mm.Memory.IsZero(folios[1].Head, 4));
        Assert.False(mm.Memory.IsZero(folios[2].Head, 1), "An uptodate folio keeps its content.");
        Assert.All(folios, f => Assert.True(mm.Frames.IsUptodate(f)));
        Assert.Equal(0, mm.ZeroOnFirstUse(folios));
        Array.ForEach(folios, mm.Free);
        TestMemory.AssertAllFree(mm);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(19)]
    public void Allocate_OrderOutOfRange_Throws(int order)
    {
        using MemoryManager mm = TestMemory.Create();
        Assert.Throws<ArgumentOutOfRangeException>(() => mm.Allocator.Allocate(order, TestMemory.Owner()));
    }

    [Fact]
    public void Allocate_NoneOwner_Throws()
    {
        using MemoryManager mm = TestMemory.Create();
        Assert.Throws<ArgumentException>(() => mm.Allocator.Allocate(0, FrameOwner.None));
    }

    [Fact]
    public void Allocate_ConcurrentThreads_NeverHandOutAFrameTwice()
    {
        using MemoryManager mm = TestMemory.Create(memoryMiB: 16);
        var owners = new FrameOwner[2] { TestMemory.Owner(), TestMemory.Owner() };
        var held = new List<Folio>[2] { [], [] };
        Parallel.For(0, 2, t =>
        {
            var random = new Random(t);
            for (int i = 0; i < 20_000; i++)
            {
                if (held[t].Count > 0 && random.Next(3) == 0)
                {
                    int at = random.Next(held[t].Count);
                    mm.Free(held[t][at]);
                    held[t].RemoveAt(at);
                }
                else if (mm.Allocator.TryAllocate(random.Next(4), owners[t], out Folio folio))
                {
                    held[t].Add(folio);
                }
            }
        });
        var frames = new HashSet<ulong>();
        foreach (Folio folio in held.SelectMany(h => h))
        {
            for (ulong i = 0; i < folio.Frames; i++)
            {
                Assert.True(frames.Add(folio.Head.Value + i), $"Frame {folio.Head + i} handed out twice.");
            }
        }

        TestMemory.AssertInvariants(mm);
        foreach (Folio folio in held.SelectMany(h => h))
        {
            mm.Free(folio);
        }

        TestMemory.AssertAllFree(mm);
    }
}
