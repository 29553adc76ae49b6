using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>The per-page state machine (spec §1.3): HOLE → ALLOCATED → READY → POISONED, and back to HOLE.</summary>
public sealed class GuestMemfdStateTests
{
    private const long Pg = Page.Size;
    private const GuestMemfdFlags Shared = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared;

    [Fact]
    public void Allocate_DoesNotZero_FirstUseZeroesOnce()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, Shared);
        GuestMemfdInode inode = ReferenceTestHost.FileOf(gmem).Inode;
        Assert.Null(inode.Lookup(new PageIndex(0)));
        gmem.Fallocate(FallocateMode.Allocate, 0, Pg);
        GmemFolio folio = inode.Lookup(new PageIndex(0))!;
        Assert.False(folio.IsUptodate, "ALLOCATED: not up to date");
        var frames = host.Hypervisor.Frames;
        frames.Write(folio.Folio.Head, 100, [0xde, 0xad]);
        gmem.Fallocate(FallocateMode.Allocate, 0, Pg);
        var two = new byte[2];
        frames.Read(folio.Folio.Head, 100, two);
        Assert.Equal(new byte[] { 0xde, 0xad }, two);
        using HostMapping map = gmem.Map(0, Pg);
        map.Read(100, two);
        Assert.Equal(new byte[2], two);
        Assert.True(folio.IsUptodate, "READY after first use");
        map.Write(100, [7]);
        map.Read(100, two);
        Assert.Equal(7, two[0]);
    }

    [Fact]
    public void Punch_ReturnsToHole_NextUseReadsZero()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, 2 * (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(1), out Pfn pfn, out _, out _), "lookup");
        host.Hypervisor.Frames.Write(pfn, 0, [0x11]);
        gmem.Fallocate(FallocateMode.PunchHole, Pg, Pg);
        Assert.Null(ReferenceTestHost.FileOf(gmem).Inode.Lookup(new PageIndex(1)));
        Assert.True(binding.TryGetPfn(new Gfn(1), out Pfn again, out _, out _), "refault");
        var one = new byte[1];
        host.Hypervisor.Frames.Read(again, 0, one);
        Assert.Equal(0, one[0]);
    }

    [Fact]
    public void NoDirectMap_PrivateUseRemoves_FreeRestores()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.NoDirectMap);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, 2 * (ulong)Pg);
        gmem.Fallocate(FallocateMode.Allocate, 0, 2 * Pg);
        var frames = host.Hypervisor.Frames;
        Pfn head = ReferenceTestHost.FileOf(gmem).Inode.Lookup(new PageIndex(0))!.Folio.Head;
        Assert.True(frames.IsInDirectMap(head), "allocated but unused: still mapped");
        Assert.True(binding.TryGetPfn(new Gfn(0), out Pfn pfn, out _, out _), "lookup");
        Assert.Equal(head, pfn);
        Assert.False(frames.IsInDirectMap(pfn), "private and in use: out of the direct map");
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => frames.Mm.KernelAccess.Read(pfn, 0, new byte[1])).Errno);
        gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
        Assert.True(frames.IsInDirectMap(pfn), "freed: back in the direct map");
    }

    [Fact]
    public void NoDirectMap_SharedFile_StaysInDirectMap()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.NoDirectMap | Shared);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0), out Pfn pfn, out _, out _), "lookup");
        Assert.True(host.Hypervisor.Frames.IsInDirectMap(pfn), "a shared page stays in the direct map");
    }

    [Fact]
    public void HostMappings_NeverReachAPrivateFrame()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd privateFile = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        using IGuestMemfd sharedFile = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping p = privateFile.Map(0, 4 * Pg);
        using HostMapping s = sharedFile.Map(0, 4 * Pg);
        GmemBinding binding = ReferenceTestHost.Bind(vm, privateFile, 0, 0, 4 * (ulong)Pg);
        for (ulong g = 0; g < 4; g++)
        {
            Assert.True(binding.TryGetPfn(new Gfn(g), out _, out _, out _), "guest use");
            Assert.Throws<HostAccessFault>(() => p.Read((long)g * Pg, new byte[1]));
            s.Write((long)g * Pg, [1]);
        }
        var privateFrames = ReferenceTestHost.FileOf(privateFile).Inode.Folios().Select(f => f.Folio.Head).ToHashSet();
        var mapped = host.Process.AddressSpace.MappedFrames();
        Assert.Equal(4, mapped.Count);
        Assert.DoesNotContain(mapped, m => privateFrames.Contains(m.Frame));
    }

    [Fact]
    public void OutOfMemory_FallocateEnomem_LookupEnomemValue_HostSigbus()
    {
        using var hypervisor = new ReferenceHypervisor(new ReferenceOptions { MemoryBytes = 2L << 20, HugePages2M = 0, UseHostHugePages = false });
        using var vm = (Gmem.Reference.Kvm.Vm)hypervisor.CreateVm();
        long frames = (long)hypervisor.Frames.Mm.Allocator.FreeFrames;
        using IGuestMemfd gmem = vm.CreateGuestMemfd((frames + 8) * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        var e = Assert.Throws<GmemException>(() => gmem.Fallocate(FallocateMode.Allocate, 0, (frames + 8) * Pg));
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal("fallocate", e.Operation);
        Assert.Equal(frames, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, (ulong)((frames + 8) * Pg));
        Assert.False(binding.TryGetPfn(new Gfn((ulong)frames + 1), out _, out _, out Errno error), "no memory");
        Assert.Equal(Errno.ENOMEM, error);
        using HostMapping map = gmem.Map(0, (frames + 8) * Pg);
        Assert.Throws<HostAccessFault>(() => map.Read((frames + 2) * Pg, new byte[1]));
        gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
        Assert.True(binding.TryGetPfn(new Gfn((ulong)frames + 1), out _, out _, out _), "a freed frame is reused");
    }
}
