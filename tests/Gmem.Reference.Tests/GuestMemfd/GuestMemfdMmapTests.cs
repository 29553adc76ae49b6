namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>mmap of a guest memory file and host faults (spec §2.5, §4.4).</summary>
public sealed class GuestMemfdMmapTests
{
    private const long Pg = Page.Size;
    private const GuestMemfdFlags Shared = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared;

    [Theory]
    [InlineData(GuestMemfdFlags.None, MapFlags.Shared, MapProtection.ReadWrite, Errno.ENODEV)]
    [InlineData(GuestMemfdFlags.None, MapFlags.Private, MapProtection.ReadWrite, Errno.ENODEV)]
    [InlineData(GuestMemfdFlags.InitShared, MapFlags.Shared, MapProtection.ReadWrite, Errno.ENODEV)]
    [InlineData(GuestMemfdFlags.Mmap, MapFlags.Private, MapProtection.ReadWrite, Errno.EINVAL)]
    [InlineData(GuestMemfdFlags.Mmap, MapFlags.Private, MapProtection.Read, Errno.EINVAL)]
    [InlineData(Shared, MapFlags.Private, MapProtection.Read, Errno.EINVAL)]
    [InlineData(Shared, (MapFlags)0, MapProtection.ReadWrite, Errno.EINVAL)]
    [InlineData(Shared, MapFlags.Shared, MapProtection.ReadWrite | MapProtection.Exec, Errno.EPERM)]
    [InlineData(GuestMemfdFlags.None, MapFlags.Shared, MapProtection.Read | MapProtection.Exec, Errno.EPERM)]
    public void Map_Refused(GuestMemfdFlags flags, MapFlags mapFlags, MapProtection protection, Errno expected)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, flags);
        var e = Assert.Throws<GmemException>(() => host.Host.MapFile(gmem.Fd, 0, Pg, protection, mapFlags));
        Assert.Equal(expected, e.Errno);
        Assert.Equal(0, ReferenceTestHost.FileOf(gmem).Inode.MappingCount);
    }

    [Fact]
    public void Map_BadDescriptorOrOffset_EbadfEinval()
    {
        using var host = new ReferenceTestHost();
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => host.Host.MapFile(-1, 0, Pg, MapProtection.ReadWrite, MapFlags.Shared)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => host.Host.MapFile(1000, 0, Pg, MapProtection.ReadWrite, MapFlags.Shared)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => host.Host.MapFile(-1, 1, Pg, MapProtection.ReadWrite, MapFlags.Shared)).Errno);
        Assert.Equal(Errno.ENODEV, Assert.Throws<GmemException>(() => host.Host.MapFile(host.Hypervisor.Fd, 0, Pg, MapProtection.ReadWrite, MapFlags.Shared)).Errno);
    }

    [Fact]
    public void MapShared_WriteReadPunch_Scenario27()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        byte[] all = new byte[4 * Pg];
        Array.Fill(all, (byte)0xaa);
        map.Write(0, all);
        byte[] back = new byte[4 * Pg];
        map.Read(0, back);
        Assert.All(back, b => Assert.Equal(0xaa, b));
        gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
        map.Read(0, back);
        Assert.All(back.AsSpan(0, (int)Pg).ToArray(), b => Assert.Equal(0, b));
        Assert.All(back.AsSpan((int)Pg).ToArray(), b => Assert.Equal(0xaa, b));
        map.Write(0, all.AsSpan(0, (int)Pg));
        map.Read(0, back);
        Assert.All(back, b => Assert.Equal(0xaa, b));
    }

    [Fact]
    public void MapBeyondEof_AccessPastEnd_HostAccessFault_Scenario28()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping map = gmem.Map(0, 16 * Pg);
        byte[] all = new byte[16 * Pg];
        Array.Fill(all, (byte)0xaa);
        var fault = Assert.Throws<HostAccessFault>(() => map.Write(0, all));
        Assert.Equal(map.Address + 4 * Pg, fault.Address);
        Assert.Throws<HostAccessFault>(() => map.Read(4 * Pg, new byte[1]));
        byte[] inside = new byte[4 * Pg];
        map.Read(0, inside);
        Assert.All(inside, b => Assert.Equal(0xaa, b));
    }

    [Fact]
    public void MapWithoutInitShared_EveryAccess_HostAccessFault_Scenario29()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        Assert.Throws<HostAccessFault>(() => map.Write(0, new byte[4 * Pg]));
        Assert.Throws<HostAccessFault>(() => map.Read(0, new byte[1]));
        Assert.Equal(0, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
    }

    [Fact]
    public void Advise_HugePageDontNeedCollapse_Scenario30And31()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Page.Size2M, Shared);
        using HostMapping map = gmem.Map(0, Page.Size2M);
        Assert.Equal(0UL, map.Address.Value % (ulong)Page.Size2M);
        var one = new byte[1];
        for (long offset = 0; offset < Page.Size2M; offset += Pg)
        {
            map.Read(offset, one);
            Assert.Equal(0, one[0]);
        }
        host.Host.Advise(map.Address, Page.Size2M, MemoryAdvice.HugePage);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => host.Host.Advise(map.Address, Page.Size2M, MemoryAdvice.Collapse)).Errno);
        map.Write(0, [0x5a]);
        host.Host.Advise(map.Address, Page.Size2M, MemoryAdvice.DontNeed);
        map.Read(0, one);
        Assert.Equal(0x5a, one[0]);
        Assert.Equal(Errno.EACCES, Assert.Throws<GmemException>(() => host.Host.Protect(map.Address, Pg, MapProtection.Read | MapProtection.Exec)).Errno);
        host.Host.Protect(map.Address, Pg, MapProtection.Read);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => map.Write(0, one)).Errno);
    }

    [Fact]
    public void AdviseRemove_PunchesTheFile()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, Shared);
        using HostMapping map = gmem.Map(0, 2 * Pg);
        map.Write(0, [1]);
        map.Write(Pg, [2]);
        host.Host.Advise(map.Address, Pg, MemoryAdvice.Remove);
        var one = new byte[1];
        map.Read(0, one);
        Assert.Equal(0, one[0]);
        map.Read(Pg, one);
        Assert.Equal(2, one[0]);
    }

    [Fact]
    public void MapSharedValidate_IsAShareMapping()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, Shared);
        using HostMapping map = host.Host.MapFile(gmem.Fd, 0, Pg, MapProtection.ReadWrite, MapFlags.Shared | MapFlags.Private);
        map.Write(0, [3]);
        using HostMapping other = gmem.Map(0, Pg);
        var one = new byte[1];
        other.Read(0, one);
        Assert.Equal(3, one[0]);
    }

    [Fact]
    public void MapAtOffset_SeesTheRightPages()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, Shared);
        using HostMapping whole = gmem.Map(0, 4 * Pg);
        whole.Write(2 * Pg, [0x77]);
        using HostMapping tail = gmem.Map(2 * Pg, 2 * Pg);
        var one = new byte[1];
        tail.Read(0, one);
        Assert.Equal(0x77, one[0]);
    }
}
