namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>fallocate on a guest memory file of 4 pages (spec §2.3–§2.4, §4.3).</summary>
public sealed class GuestMemfdFallocateTests
{
    private const long Pg = Page.Size;
    private const int Keep = FallocateFlags.KeepSize;
    private const int Punch = FallocateFlags.KeepSize | FallocateFlags.PunchHole;

    [Theory]
    // Accepted (GT test_fallocate).
    [InlineData(Keep, 0, 4 * Pg, (Errno)0)]
    [InlineData(Punch, 4 * Pg, Pg, (Errno)0)]
    [InlineData(Punch, 5 * Pg, Pg, (Errno)0)]
    [InlineData(Punch, Pg, Pg, (Errno)0)]
    [InlineData(Punch, 0, 1L << 40, (Errno)0)]
    // Refused, each with its errno.
    [InlineData(Punch, Pg - 1, Pg, Errno.EINVAL)]
    [InlineData(Keep, 4 * Pg, Pg, Errno.EINVAL)]
    [InlineData(Keep, 5 * Pg, Pg, Errno.EINVAL)]
    [InlineData(Punch, Pg, Pg - 1, Errno.EINVAL)]
    [InlineData(Keep, 3 * Pg, 2 * Pg, Errno.EINVAL)]
    [InlineData(Keep, 0, 0, Errno.EINVAL)]
    [InlineData(Keep, -Pg, Pg, Errno.EINVAL)]
    [InlineData(Keep, 0, -Pg, Errno.EINVAL)]
    [InlineData(Keep, long.MaxValue - Pg + 1, 2 * Pg, Errno.EFBIG)]
    [InlineData(Punch, long.MaxValue - Pg + 1, 2 * Pg, Errno.EFBIG)]
    [InlineData(0, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.PunchHole, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(Keep | FallocateFlags.ZeroRange, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.CollapseRange, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.InsertRange, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(Keep | FallocateFlags.UnshareRange, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(Keep | FallocateFlags.CollapseRange, 0, Pg, Errno.EOPNOTSUPP)]
    [InlineData(0x100 | Keep, 0, Pg, Errno.EOPNOTSUPP)]
    // Check order: the VFS range check comes before the mode, the mode before alignment.
    [InlineData(0, -1, Pg, Errno.EINVAL)]
    [InlineData(0, 1, Pg, Errno.EOPNOTSUPP)]
    [InlineData(Keep, 1, Pg, Errno.EINVAL)]
    public void Fallocate_Table(int mode, long offset, long length, Errno expected)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        if (expected == 0)
        {
            gmem.Fallocate(mode, offset, length);
        }
        else
        {
            var e = Assert.Throws<GmemException>(() => gmem.Fallocate(mode, offset, length));
            Assert.Equal(expected, e.Errno);
            Assert.Equal("fallocate", e.Operation);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, Pg - 1)]
    [InlineData(0, Pg + 1)]
    [InlineData(1, 1)]
    [InlineData(1, Pg - 1)]
    [InlineData(1, Pg)]
    [InlineData(1, Pg + 1)]
    [InlineData(Pg, 1)]
    [InlineData(Pg, Pg - 1)]
    [InlineData(Pg, Pg + 1)]
    public void PunchHole_Unaligned_EINVAL(long offset, long length)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => gmem.Fallocate(FallocateMode.PunchHole, offset, length)).Errno);
    }

    [Fact]
    public void PunchThenAllocate_RefillsTheHole()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        var inode = ReferenceTestHost.FileOf(gmem).Inode;
        gmem.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
        Assert.Equal(4, inode.FolioCount);
        gmem.Fallocate(FallocateMode.PunchHole, Pg, Pg);
        Assert.Equal(3, inode.FolioCount);
        Assert.Null(inode.Lookup(new PageIndex(1)));
        gmem.Fallocate(FallocateMode.Allocate, Pg, Pg);
        Assert.Equal(4, inode.FolioCount);
    }

    [Fact]
    public void Fallocate_AfterVmClosed_Works()
    {
        using var host = new ReferenceTestHost();
        var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        vm.Dispose();
        Assert.False(vm.IsDestroyed, "the guest memory file pins the VM");
        gmem.Fallocate(FallocateMode.PunchHole, 0, 4 * Pg);
        gmem.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
        gmem.Dispose();
        Assert.True(vm.IsDestroyed, "the last file let the VM go");
    }
}
