using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>Hugetlb2M/1G guest memory files: folios from the pool, alignment rules, no frame leak.</summary>
public sealed class GuestMemfdHugetlbTests
{
    private const long Pg = Page.Size;
    private const long M2 = Page.Size2M;

    [Fact]
    public void Allocate_TakesWholeFoliosFromTheReservation()
    {
        using var host = new ReferenceTestHost();
        HugePagePool pool = host.Hypervisor.Frames.Mm.HugePages;
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * M2, GuestMemfdFlags.Hugetlb2M);
        Assert.Equal(4, pool.ReservedPages(Folio.Order2M));
        gmem.Fallocate(FallocateMode.Allocate, M2, 2 * M2);
        GuestMemfdInode inode = ReferenceTestHost.FileOf(gmem).Inode;
        Assert.Equal(2, inode.FolioCount);
        GmemFolio? folio = inode.Lookup(new PageIndex(512 + 17));
        Assert.NotNull(folio);
        Assert.Equal(9, folio.Order);
        Assert.True(pool.Contains(folio.Folio.Head), "frames from the pool");
        Assert.Equal(0UL, folio.Folio.Head.Value % 512);
        Assert.Equal(2, pool.ReservedPages(Folio.Order2M));
    }

    [Theory]
    [InlineData(FallocateMode.PunchHole, 0, Pg)]
    [InlineData(FallocateMode.PunchHole, Pg, M2)]
    [InlineData(FallocateMode.PunchHole, 0, M2 + Pg)]
    [InlineData(FallocateMode.Allocate, Pg, Pg)]
    [InlineData(FallocateMode.Allocate, 0, M2 - Pg)]
    public void Fallocate_NotHugeAligned_EINVAL_NothingChanges(FallocateMode mode, long offset, long length)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * M2, GuestMemfdFlags.Hugetlb2M);
        gmem.Fallocate(FallocateMode.Allocate, 0, 2 * M2);
        long before = host.Hypervisor.Frames.AllocatedFrames;
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => gmem.Fallocate(mode, offset, length)).Errno);
        Assert.Equal(2, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
        Assert.Equal(before, host.Hypervisor.Frames.AllocatedFrames);
    }

    [Fact]
    public void PunchWhole2M_ReturnsTheFolioToThePool_RefaultReadsZero()
    {
        using var host = new ReferenceTestHost();
        HugePagePool pool = host.Hypervisor.Frames.Mm.HugePages;
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * M2, GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        int free = pool.FreePages(Folio.Order2M);
        using HostMapping map = gmem.Map(0, 2 * M2);
        map.Write(M2 + 5 * Pg, [0xee]);
        Assert.Equal(free - 1, pool.FreePages(Folio.Order2M));
        gmem.Fallocate(FallocateMode.PunchHole, M2, M2);
        Assert.Equal(free, pool.FreePages(Folio.Order2M));
        Assert.Equal(2, pool.ReservedPages(Folio.Order2M));
        var one = new byte[1];
        map.Read(M2 + 5 * Pg, one);
        Assert.Equal(0, one[0]);
    }

    [Fact]
    public void GetPfn_ReturnsOrder9AndTheWholeFolioIsZeroed()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * M2, GuestMemfdFlags.Hugetlb2M);
        gmem.Fallocate(FallocateMode.Allocate, 0, M2);
        GmemFolio folio = ReferenceTestHost.FileOf(gmem).Inode.Lookup(new PageIndex(0))!;
        host.Hypervisor.Frames.Mm.Memory.Fill(folio.Folio.Head, folio.Folio.Frames, 0x99);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x80000, 0, 2 * (ulong)M2);
        Assert.True(binding.TryGetPfn(new Gfn(0x80003), out Pfn pfn, out int order, out _), "lookup");
        Assert.Equal(9, order);
        Assert.Equal(folio.Folio.Head + 3, pfn);
        Assert.True(host.Hypervisor.Frames.Mm.Memory.IsZero(folio.Folio.Head, folio.Folio.Frames), "the whole folio is zeroed at first use");
    }

    [Fact]
    public void Bind_NotHugeAligned_EINVAL()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * M2, GuestMemfdFlags.Hugetlb2M);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(vm, gmem, 0, (ulong)Pg, (ulong)M2)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(vm, gmem, 0, 0, (ulong)Pg)).Errno);
    }

    [Fact]
    public void Hugetlb1G_OneFolio()
    {
        // No guest lookup here: it would zero (and make resident) a whole GiB.
        using var host = new ReferenceTestHost(hugePages1G: 1);
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Page.Size1G, GuestMemfdFlags.Hugetlb1G);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<GmemException>(() => vm.CreateGuestMemfd(Page.Size1G, GuestMemfdFlags.Hugetlb1G)).Errno);
        gmem.Fallocate(FallocateMode.Allocate, 0, Page.Size1G);
        GmemFolio folio = ReferenceTestHost.FileOf(gmem).Inode.Lookup(new PageIndex(12345))!;
        Assert.Equal(18, folio.Order);
        Assert.Equal(0UL, folio.Folio.Head.Value % (1UL << 18));
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => gmem.Fallocate(FallocateMode.PunchHole, 0, M2)).Errno);
        gmem.Fallocate(FallocateMode.PunchHole, 0, Page.Size1G);
        Assert.Equal(0, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
    }

    [Fact]
    public void EverythingDisposed_AllFramesFree_PoolWhole()
    {
        using var host = new ReferenceTestHost();
        MemoryManager mm = host.Hypervisor.Frames.Mm;
        ulong freeBefore = mm.FreeFrames;
        using (var vm = host.CreateVm())
        {
            IGuestMemfd huge = vm.CreateGuestMemfd(4 * M2, GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
            IGuestMemfd small = vm.CreateGuestMemfd(64 * Pg, GuestMemfdFlags.NoDirectMap);
            HostMapping map = huge.Map(0, 4 * M2);
            map.Write(3 * M2, [1]);
            huge.Fallocate(FallocateMode.Allocate, 0, 2 * M2);
            huge.Fallocate(FallocateMode.PunchHole, 0, M2);
            GmemBinding binding = ReferenceTestHost.Bind(vm, small, 0, 0, 64 * (ulong)Pg);
            for (ulong g = 0; g < 64; g += 3)
            {
                Assert.True(binding.TryGetPfn(new Gfn(g), out _, out _, out _), "lookup");
            }
            using HostMapping anonymous = host.Host.MapAnonymous(16 * Pg);
            anonymous.Write(0, new byte[16 * Pg]);
            Assert.True(mm.FreeFrames < freeBefore, "something is allocated");
            huge.Dispose();
            small.Dispose();
            map.Dispose();
        }
        Assert.Equal(freeBefore, mm.FreeFrames);
        Assert.Equal(mm.TotalFrames, mm.FreeFrames);
        Assert.Equal(0, mm.HugePages.ReservedPages(Folio.Order2M));
        Assert.Empty(mm.CheckInvariants());
    }
}
