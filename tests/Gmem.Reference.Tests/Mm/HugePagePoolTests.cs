using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class HugePagePoolTests
{
    [Fact]
    public void Reserve_MoreThanUnreservedFree_FailsWithEnomem()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 4);
        using HugePageReservation first = mm.HugePages.Reserve(Folio.Order2M, 3, TestMemory.Owner());
        GmemException e = Assert.Throws<GmemException>(() => mm.HugePages.Reserve(Folio.Order2M, 2, TestMemory.Owner()));
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal(3, mm.HugePages.ReservedPages(Folio.Order2M));
        Assert.True(mm.HugePages.TryAllocate(Folio.Order2M, TestMemory.Owner(), out Folio unreserved), "One page is not reserved.");
        Assert.False(mm.HugePages.TryAllocate(Folio.Order2M, TestMemory.Owner(), out _), "The other three are promised.");
        mm.Free(unreserved);
        first.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Reservation_AllocateUpToPages_NeverFailsEvenWhenOthersAllocate()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 4);
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 3, TestMemory.Owner());
        Assert.True(mm.HugePages.TryAllocate(Folio.Order2M, TestMemory.Owner(), out Folio other), "One page is unreserved.");
        Assert.False(mm.HugePages.TryAllocate(Folio.Order2M, TestMemory.Owner(), out _), "The rest is promised.");
        var folios = new List<Folio> { reservation.Allocate(), reservation.Allocate(), reservation.Allocate() };
        Assert.Equal(3, reservation.InUse);
        GmemException e = Assert.Throws<GmemException>(() => reservation.Allocate());
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.All(folios, f => Assert.Equal(Folio.Order2M, f.Order));
        Assert.All(folios, f => Assert.Equal(reservation.Owner, mm.Frames.GetInfo(f.Head + 511).Owner));
        TestMemory.AssertInvariants(mm);
        folios.ForEach(mm.Free);
        mm.Free(other);
        reservation.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Free_WholeHugeFolio_ReturnsItToThePoolAndTheReservation()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 2);
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 2, TestMemory.Owner());
        Folio folio = reservation.Allocate();
        Assert.Equal(1, mm.HugePages.FreePages(Folio.Order2M));
        Assert.Equal(1, mm.HugePages.ReservedPages(Folio.Order2M));

        // Punch hole over the whole 2 MiB range: the file frees the folio.
        mm.Free(folio);
        Assert.Equal(2, mm.HugePages.FreePages(Folio.Order2M));
        Assert.Equal(2, mm.HugePages.ReservedPages(Folio.Order2M));
        Assert.Equal(0, reservation.InUse);
        Assert.All(Enumerable.Range(0, 512), i => Assert.Equal(FrameOwnerKind.HugePagePool, mm.Frames.GetInfo(folio.Head + (ulong)i).Owner.Kind));
        reservation.Dispose();
        Assert.Equal(0, mm.HugePages.ReservedPages(Folio.Order2M));
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Split_ThenFreeEveryPiece_ReturnsTheHugePageOnlyAtTheLast()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 1);
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 1, TestMemory.Owner());
        Folio folio = reservation.Allocate();
        mm.Frames.SetUptodate(folio);
        mm.HugePages.Split(folio);
        Assert.Equal(512, mm.Frames.EnumerateAllocated().Count);
        Assert.True(mm.Frames.IsUptodate(new Folio(folio.Head + 77, 0)), "Pieces inherit the folio's uptodate state.");
        TestMemory.AssertInvariants(mm);

        // Punch 4 KiB: one piece goes; the huge page stays out of the pool.
        mm.Free(new Folio(folio.Head + 77, 0));
        Assert.Equal(0, mm.HugePages.FreePages(Folio.Order2M));
        Assert.Equal(511, mm.Frames.EnumerateAllocated().Count);
        TestMemory.AssertInvariants(mm);
        for (ulong i = 0; i < 512; i++)
        {
            if (i != 77)
            {
                mm.Free(new Folio(folio.Head + i, 0));
            }
        }

        Assert.Equal(1, mm.HugePages.FreePages(Folio.Order2M));
        Assert.Equal(1, mm.HugePages.ReservedPages(Folio.Order2M));
        Assert.Equal(0, reservation.InUse);
        reservation.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void TryAllocatePiece_ThenTryMerge_ReformsTheHugeFolio()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 1);
        FrameOwner owner = TestMemory.Owner();
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 1, owner);
        Folio folio = reservation.Allocate();
        mm.HugePages.Split(folio);
        var piece = new Folio(folio.Head + 5, 0);
        mm.Free(piece);
        Assert.False(mm.HugePages.TryMerge(folio.Head, out _), "A piece is missing.");
        Assert.False(mm.HugePages.TryAllocatePiece(piece.Head, TestMemory.Owner(), out _), "Only the huge page's owner refills it.");
        Assert.True(mm.HugePages.TryAllocatePiece(piece.Head, owner, out Folio again));
        Assert.Equal(piece, again);
        Assert.True(mm.HugePages.TryMerge(folio.Head, out Folio merged), "Every piece is back, unpinned, with one owner.");
        Assert.Equal(folio, merged);
        TestMemory.AssertInvariants(mm);
        mm.Free(merged);
        reservation.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void TryMerge_PinnedOrMixedPieces_IsRefused()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 1);
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 1, TestMemory.Owner());
        Folio folio = reservation.Allocate();
        mm.HugePages.Split(folio);
        mm.Pins.Pin(folio.Head + 9, PinFlags.None);
        Assert.False(mm.HugePages.TryMerge(folio.Head, out _));
        mm.Pins.Unpin(folio.Head + 9, PinFlags.None);
        mm.Frames.SetUptodate(new Folio(folio.Head + 3, 0));
        Assert.False(mm.HugePages.TryMerge(folio.Head, out _), "Pieces must be all uptodate or all not.");
        mm.Frames.ClearUptodate(new Folio(folio.Head + 3, 0));
        Assert.True(mm.HugePages.TryMerge(folio.Head, out Folio merged));
        mm.Free(merged);
        reservation.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Split_PinnedFolio_FailsWithEbusy()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 1);
        Assert.True(mm.HugePages.TryAllocate(Folio.Order2M, TestMemory.Owner(), out Folio folio));
        mm.Pins.Pin(folio.Head + 100, PinFlags.Longterm);
        GmemException e = Assert.Throws<GmemException>(() => mm.HugePages.Split(folio));
        Assert.Equal(Errno.EBUSY, e.Errno);
        TestMemory.AssertInvariants(mm);
        mm.Pins.Unpin(folio.Head + 100, PinFlags.Longterm);
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Dispose_ReservationWithPinnedOrphan_PageReturnsUnreservedOnUnpin()
    {
        using MemoryManager mm = TestMemory.Create(huge2M: 2);
        HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order2M, 2, TestMemory.Owner());
        Folio folio = reservation.Allocate();
        mm.Pins.Pin(folio.Head, PinFlags.None);
        mm.Free(folio);
        reservation.Dispose();
        Assert.Equal(0, mm.HugePages.ReservedPages(Folio.Order2M));
        Assert.Equal(1, mm.HugePages.FreePages(Folio.Order2M));
        mm.Pins.Unpin(folio.Head, PinFlags.None);
        Assert.Equal(0, mm.HugePages.ReservedPages(Folio.Order2M));
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void Pool1G_ReserveAllocateFree_Works()
    {
        using MemoryManager mm = TestMemory.Create(huge1G: 1);
        Assert.Equal(1, mm.HugePages.TotalPages(Folio.Order1G));
        using HugePageReservation reservation = mm.HugePages.Reserve(Folio.Order1G, 1, TestMemory.Owner());
        Folio folio = reservation.Allocate();
        Assert.Equal(Folio.Order1G, folio.Order);
        Assert.Equal(0UL, folio.Head.Value & ((1UL << 18) - 1));
        mm.Free(folio);
        reservation.Dispose();
        TestMemory.AssertAllFree(mm);
    }

    [Fact]
    public void PoolFrames_NeverEnterTheBuddyAllocator()
    {
        using MemoryManager mm = TestMemory.Create(memoryMiB: 2, huge2M: 2);
        var folios = new List<Folio>();
        while (mm.Allocator.TryAllocate(0, TestMemory.Owner(), out Folio folio))
        {
            Assert.False(mm.HugePages.Contains(folio.Head), $"{folio} came from the pool.");
            folios.Add(folio);
        }

        Assert.Equal(512, folios.Count);
        Assert.Equal(2, mm.HugePages.FreePages(Folio.Order2M));
        folios.ForEach(mm.Free);
        TestMemory.AssertAllFree(mm);
    }
}
