namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>KVM_CREATE_GUEST_MEMFD on the Reference platform (spec §2.1, §4.1).</summary>
public sealed class GuestMemfdCreateTests
{
    private const long Pg = Page.Size;

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(Pg - 1)]
    [InlineData(Pg + 1)]
    [InlineData(long.MinValue)]
    [InlineData(-Pg)]
    [InlineData(2 * Pg - 1)]
    public void Create_BadSize_EINVAL(long size)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        foreach (GuestMemfdFlags flags in new[] { GuestMemfdFlags.None, GuestMemfdFlags.Mmap, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared })
        {
            var e = Assert.Throws<GmemException>(() => vm.CreateGuestMemfd(size, flags));
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Equal("KVM_CREATE_GUEST_MEMFD", e.Operation);
        }
    }

    [Fact]
    public void Create_EverySingleFlagBit_SucceedsIffReported()
    {
        using var host = new ReferenceTestHost(hugePages1G: 1);
        foreach (VmType type in new[] { VmType.Default, VmType.SwProtected })
        {
            using var vm = host.CreateVm(type);
            ulong supported = (ulong)vm.CheckExtension(Capability.GuestMemfdFlags);
            for (int bit = 0; bit < 64; bit++)
            {
                var flag = (GuestMemfdFlags)(1UL << bit);
                long size = (flag & (GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Hugetlb1G)) != 0 ? (flag == GuestMemfdFlags.Hugetlb1G ? Page.Size1G : Page.Size2M) : Pg;
                if ((supported & (1UL << bit)) != 0)
                {
                    using IGuestMemfd gmem = vm.CreateGuestMemfd(size, flag);
                    Assert.Equal(flag, gmem.Flags);
                }
                else
                {
                    Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => vm.CreateGuestMemfd(size, flag)).Errno);
                }
            }
        }
    }

    [Fact]
    public void CheckExtension_GuestMemfdFlags_PerVmType()
    {
        using var host = new ReferenceTestHost();
        using var plain = host.CreateVm();
        using var protectedVm = host.CreateVm(VmType.SwProtected);
        var all = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared | GuestMemfdFlags.NoDirectMap | GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Hugetlb1G;
        Assert.Equal((long)all, host.Hypervisor.CheckExtension(Capability.GuestMemfdFlags));
        Assert.Equal((long)all, plain.CheckExtension(Capability.GuestMemfdFlags));
        Assert.Equal((long)(all & ~GuestMemfdFlags.InitShared), protectedVm.CheckExtension(Capability.GuestMemfdFlags));
        Assert.Equal(0, plain.CheckExtension(Capability.MemoryAttributes));
        Assert.Equal(8, protectedVm.CheckExtension(Capability.MemoryAttributes));
    }

    [Fact]
    public void Create_TwoFiles_DistinctInodesAndSizes()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd a = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        using IGuestMemfd b = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.None);
        FileStatus sa = host.Host.FileStat(a.Fd);
        FileStatus sb = host.Host.FileStat(b.Fd);
        Assert.Equal(Pg, sa.Size);
        Assert.Equal(2 * Pg, sb.Size);
        Assert.NotEqual(sa.Inode, sb.Inode);
        Assert.Equal(Pg, host.Host.FileStat(a.Fd).Size);
    }

    [Fact]
    public void Create_HugeSizeIsLazy_Succeeds()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(1L << 62, GuestMemfdFlags.None);
        Assert.Equal(1L << 62, host.Host.FileStat(gmem.Fd).Size);
        Assert.Equal(0, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
    }

    [Fact]
    public void Create_ReservedWordsNonZero_Accepted()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None, [1, 2, 3, 4, 5, 6]);
        Assert.True(gmem.Fd >= 3, "a descriptor");
    }

    [Theory]
    [InlineData(GuestMemfdFlags.Hugetlb2M, Pg)]
    [InlineData(GuestMemfdFlags.Hugetlb2M, Page.Size2M + Pg)]
    [InlineData(GuestMemfdFlags.Hugetlb1G, Page.Size2M)]
    [InlineData(GuestMemfdFlags.Hugetlb2M | GuestMemfdFlags.Hugetlb1G, Page.Size1G)]
    public void Create_HugetlbMisaligned_EINVAL(GuestMemfdFlags flags, long size)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => vm.CreateGuestMemfd(size, flags)).Errno);
    }

    [Fact]
    public void Create_HugetlbBeyondPool_ENOMEM_AndReservationReturnedOnClose()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using (IGuestMemfd all = vm.CreateGuestMemfd(8 * Page.Size2M, GuestMemfdFlags.Hugetlb2M))
        {
            Assert.Equal(Errno.ENOMEM, Assert.Throws<GmemException>(() => vm.CreateGuestMemfd(Page.Size2M, GuestMemfdFlags.Hugetlb2M)).Errno);
        }
        using IGuestMemfd again = vm.CreateGuestMemfd(8 * Page.Size2M, GuestMemfdFlags.Hugetlb2M);
        Assert.Equal(8 * Page.Size2M, again.Size);
    }

    [Fact]
    public void CreateVm_UnsupportedType_EINVAL()
    {
        using var host = new ReferenceTestHost();
        foreach (VmType type in new[] { VmType.Sev, VmType.SevEs, VmType.Snp, VmType.Tdx })
        {
            Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => host.Hypervisor.CreateVm(type)).Errno);
        }
    }

    [Fact]
    public void CreateGuestMemfdIoctl_OnSystemFd_EINVAL()
    {
        using var host = new ReferenceTestHost();
        var e = Assert.Throws<GmemException>(() => host.Host.Ioctl(host.Hypervisor.Fd, global::Gmem.Reference.Kvm.KvmDeviceFile.CreateGuestMemfdIoctl));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void Hypervisor_SystemScope_DocumentedValues()
    {
        using var host = new ReferenceTestHost();
        IHypervisor hv = host.Hypervisor;
        Assert.Equal("reference", hv.Name);
        Assert.Equal(12, hv.ApiVersion);
        Assert.Equal(1, hv.CheckExtension(Capability.GuestMemfd));
        Assert.Equal(1, hv.CheckExtension(Capability.UserMemory2));
        Assert.Equal(8, hv.CheckExtension(Capability.MemoryAttributes));
        Assert.Equal(3, hv.CheckExtension(Capability.VmTypes));
        Assert.Equal(0, hv.CheckExtension((Capability)9999));
    }
}
