using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>In-place conversion on the file (AttributeModel.PerFile; spec §2.18, scenarios 63–70 host side).</summary>
public sealed class GuestMemfdConversionTests
{
    private const long Pg = Page.Size;
    private const GuestMemfdFlags Shared = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared;

    [Fact]
    public void PerVmModel_ENOTTY()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, Shared);
        Assert.Equal(Errno.ENOTTY, Assert.Throws<GmemException>(() => gmem.SetMemoryAttributes(0, Pg, MemoryAttributes.Private)).Errno);
    }

    [Theory]
    [InlineData(0L, Pg, (MemoryAttributes)1)]
    [InlineData(0L, 0L, MemoryAttributes.Private)]
    [InlineData(0L, -Pg, MemoryAttributes.Private)]
    [InlineData(-Pg, Pg, MemoryAttributes.Private)]
    [InlineData(1L, Pg, MemoryAttributes.Private)]
    [InlineData(0L, Pg + 1, MemoryAttributes.Private)]
    [InlineData(4 * Pg, Pg, MemoryAttributes.Private)]
    [InlineData(3 * Pg, 2 * Pg, MemoryAttributes.None)]
    [InlineData(Pg, long.MaxValue - Pg + 1, MemoryAttributes.None)]
    public void BadArguments_EINVAL(long offset, long size, MemoryAttributes attributes)
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => gmem.SetMemoryAttributes(offset, size, attributes)).Errno);
    }

    [Fact]
    public void InitPrivate_ConvertToSharedAndBack_ContentKept_Scenario63()
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        Assert.Throws<HostAccessFault>(() => map.Read(0, new byte[1]));
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 4 * (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0x100), out Pfn pfn, out _, out _), "guest use");
        host.Hypervisor.Frames.Write(pfn, 0, [0x61]);
        gmem.SetMemoryAttributes(0, Pg, MemoryAttributes.None);
        var one = new byte[1];
        map.Read(0, one);
        Assert.Equal(0x61, one[0]);
        map.Write(0, [0x62]);
        Assert.Throws<HostAccessFault>(() => map.Read(Pg, one));
        gmem.SetMemoryAttributes(0, Pg, MemoryAttributes.Private);
        Assert.Throws<HostAccessFault>(() => map.Read(0, one));
        host.Hypervisor.Frames.Read(pfn, 0, one);
        Assert.Equal(0x62, one[0]);
    }

    [Fact]
    public void InitShared_ConvertOnePage_OthersKeepStateAndValues_Scenario65()
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        for (int k = 0; k < 4; k++)
        {
            map.Write(k * Pg, [(byte)(k + 1)]);
        }
        for (int k = 0; k < 4; k++)
        {
            gmem.SetMemoryAttributes(k * Pg, Pg, MemoryAttributes.Private);
            var one = new byte[1];
            for (int other = 0; other < 4; other++)
            {
                if (other == k)
                {
                    Assert.Throws<HostAccessFault>(() => map.Read(other * Pg, one));
                }
                else
                {
                    map.Read(other * Pg, one);
                    Assert.Equal(other + 1, one[0]);
                }
            }
            gmem.SetMemoryAttributes(k * Pg, Pg, MemoryAttributes.None);
        }
        Assert.Equal([(0UL, 4UL)], ReferenceTestHost.FileOf(gmem).Inode.SharedRanges());
    }

    [Fact]
    public void PinnedPage_ToPrivate_EAGAINWithOffset_ThenSucceedsAfterUnpin_Scenario70()
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        map.Write(0, new byte[4 * Pg]);
        Pfn pinned = host.Process.AddressSpace.PinUserPage(map.Address + 2 * Pg, write: true, PinFlags.None);
        var e = Assert.Throws<GmemException>(() => gmem.SetMemoryAttributes(0, 4 * Pg, MemoryAttributes.Private));
        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(2 * Pg, e.ErrorOffset);
        Assert.Equal([(0UL, 4UL)], ReferenceTestHost.FileOf(gmem).Inode.SharedRanges());
        Assert.True(host.Process.AddressSpace.UnpinUserPage(pinned, PinFlags.None), "unpinned");
        gmem.SetMemoryAttributes(0, 4 * Pg, MemoryAttributes.Private);
        Assert.Empty(ReferenceTestHost.FileOf(gmem).Inode.SharedRanges());
    }

    [Fact]
    public void Conversion_InvalidatesWithTheRevokedKind_NoOpWhenUnchanged_PunchKeepsAttributes()
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(8 * Pg, GuestMemfdFlags.Mmap);
        ReferenceTestHost.Bind(vm, gmem, 0x200, 0, 8 * (ulong)Pg);
        GuestMemfdFile file = ReferenceTestHost.FileOf(gmem);
        var recorder = new RecordingInvalidationTarget(file.InvalidationTarget);
        file.InvalidationTarget = recorder;
        gmem.SetMemoryAttributes(0, 8 * Pg, MemoryAttributes.Private);
        Assert.Empty(recorder.Calls);
        gmem.SetMemoryAttributes(2 * Pg, 2 * Pg, MemoryAttributes.None);
        Assert.Equal(["begin", "range 202-204 Private", "end"], recorder.Calls);
        recorder.Clear();
        gmem.SetMemoryAttributes(Pg, 2 * Pg, MemoryAttributes.Private);
        Assert.Equal(["begin", "range 201-203 Shared", "end"], recorder.Calls);
        gmem.Fallocate(FallocateMode.PunchHole, 0, 8 * Pg);
        Assert.Equal([(3UL, 4UL)], file.Inode.SharedRanges());
    }

    [Fact]
    public void SwProtectedVm_PerFile_AcceptsInitShared()
    {
        using var host = new ReferenceTestHost(AttributeModel.PerFile);
        using var vm = host.CreateVm(VmType.SwProtected);
        Assert.NotEqual(0, vm.CheckExtension(Capability.GuestMemfdFlags) & (long)GuestMemfdFlags.InitShared);
    }

    [Fact]
    public void PageRangeSet_AddRemoveMerge()
    {
        var set = new PageRangeSet();
        set.Add(0, 4);
        set.Add(4, 6);
        set.Add(10, 12);
        Assert.Equal([(0UL, 6UL), (10UL, 12UL)], set.Ranges());
        set.Remove(2, 11);
        Assert.Equal([(0UL, 2UL), (11UL, 12UL)], set.Ranges());
        Assert.True(set.Contains(1) && !set.Contains(2) && set.Contains(11), "membership");
        Assert.True(set.Intersects(1, 20) && !set.Intersects(2, 11) && set.Covers(0, 2) && !set.Covers(0, 3), "range queries");
        set.Add(1, 12);
        Assert.Equal([(0UL, 12UL)], set.Ranges());
    }
}
