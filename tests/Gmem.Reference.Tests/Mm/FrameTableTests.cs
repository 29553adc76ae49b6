using System.Runtime.CompilerServices;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class FrameTableTests
{
    [Fact]
    public void FrameEntry_Size_IsSixteenBytes()
    {
        Assert.Equal(16, Unsafe.SizeOf<FrameEntry>());
        Assert.Equal(16, FrameTable.BytesPerFrame);
    }

    [Fact]
    public void MetadataBytes_DefaultHost_AtMostSixteenBytesPerFrame()
    {
        using var mm = new MemoryManager(new ReferenceOptions { UseHostHugePages = false });
        double perFrame = (double)mm.Frames.MetadataBytes / mm.Frames.Frames;
        Assert.True(perFrame <= 16.0, $"Metadata is {perFrame} bytes per frame; the target is at most 16.");
        Assert.Equal(mm.Memory.Frames, mm.Frames.Frames);
    }

    [Fact]
    public void MetadataBytes_MeasuredByTheGc_AtMostSixteenBytesPerFramePlusArrayHeader()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = new FrameTable(new Pfn(PhysicalMemory.FirstPfnValue), 1 << 16);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= (16L << 16) + 1024, $"The table of 65536 frames allocated {allocated} bytes.");
        Assert.Equal(16L << 16, table.MetadataBytes);
    }

    [Fact]
    public void GetInfo_FreshAllocation_RecordsOwnerOrderAndOneReference()
    {
        using MemoryManager mm = TestMemory.Create();
        FrameOwner owner = TestMemory.Owner();
        Folio folio = mm.Allocator.Allocate(2, owner);
        FrameInfo head = mm.Frames.GetInfo(folio.Head);
        FrameInfo tail = mm.Frames.GetInfo(folio.Head + 3);
        Assert.Equal(owner, head.Owner);
        Assert.Equal(owner, tail.Owner);
        Assert.Equal(2, tail.Order);
        Assert.Equal(1, head.RefCount);
        Assert.True(head.Flags.HasFlag(FrameFlags.Head));
        Assert.False(tail.Flags.HasFlag(FrameFlags.Head));
        Assert.True(mm.Frames.TryGetFolio(folio.Head + 3, out Folio found));
        Assert.Equal(folio, found);
        mm.Free(folio);
        Assert.False(mm.Frames.TryGetFolio(folio.Head + 3, out _));
        Assert.True(mm.Frames.GetInfo(folio.Head).IsFree);
    }

    [Fact]
    public void Put_MoreThanTaken_ThrowsDoubleFree()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        mm.Free(folio);
        Assert.Throws<InvalidOperationException>(() => mm.Free(folio));
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void TryGet_ExtraReference_KeepsFolioAfterOwnerFree()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(1, TestMemory.Owner());
        Assert.True(mm.Frames.TryGet(folio));
        mm.Free(folio);
        AllocatedFolio orphan = Assert.Single(mm.Frames.EnumerateAllocated());
        Assert.True(orphan.Orphan);
        Assert.Equal(1, orphan.RefCount);
        TestMemory.AssertInvariants(mm);
        mm.Frames.Put(folio);
        TestMemory.AssertAllFree(mm);
        Assert.False(mm.Frames.TryGet(folio), "A free folio cannot be got.");
    }

    [Fact]
    public void CheckInvariants_CorruptedOwner_IsReported()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(1, TestMemory.Owner());
        mm.Frames.Entry(folio.Head + 1).OwnerId ^= 0x55;
        Assert.Contains(mm.CheckInvariants(), p => p.Contains("is owned by", StringComparison.Ordinal));
        mm.Frames.Entry(folio.Head + 1).OwnerId ^= 0x55;
        TestMemory.AssertInvariants(mm);
    }
}
