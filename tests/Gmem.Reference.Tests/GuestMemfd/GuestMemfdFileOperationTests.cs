namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>Plain file operations on a guest memory file descriptor (spec §2.2, §4.2).</summary>
public sealed class GuestMemfdFileOperationTests
{
    private const long Pg = Page.Size;

    [Theory]
    [InlineData(GuestMemfdFlags.None)]
    [InlineData(GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared)]
    public void FileCalls_RefusedWithKernelErrno(GuestMemfdFlags flags)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, flags);
        IHostProcess p = host.Host;
        var buffer = new byte[64];
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileRead(gmem.Fd, buffer)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileWrite(gmem.Fd, buffer)).Errno);
        Assert.Equal(Errno.ESPIPE, Assert.Throws<GmemException>(() => p.FilePRead(gmem.Fd, buffer, 0)).Errno);
        Assert.Equal(Errno.ESPIPE, Assert.Throws<GmemException>(() => p.FilePWrite(gmem.Fd, buffer, 0)).Errno);
        Assert.Equal(Errno.ESPIPE, Assert.Throws<GmemException>(() => p.FileSeek(gmem.Fd, 0, SeekOrigin.Begin)).Errno);
        foreach (long size in new[] { 0L, Pg, 4 * Pg, 8 * Pg })
        {
            Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileTruncate(gmem.Fd, size)).Errno);
        }
        Assert.Equal(Errno.ENOTTY, Assert.Throws<GmemException>(() => p.Ioctl(gmem.Fd, 0xC080AED2)).Errno);
        Assert.Equal(Errno.ENXIO, Assert.Throws<GmemException>(() => p.ReopenByPath(gmem.Fd)).Errno);
    }

    [Fact]
    public void Stat_SizeBlockSizeModeBlocks()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        gmem.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
        FileStatus status = host.Host.FileStat(gmem.Fd);
        Assert.Equal(4 * Pg, status.Size);
        Assert.Equal(Pg, status.BlockSize);
        Assert.Equal(0, status.Blocks);
        Assert.True(status.IsRegularFile, "S_IFREG");
        Assert.Equal(0x180u, status.Permissions);
    }

    [Fact]
    public void DescriptorFlags_ReadWriteLargeFile_NotCloseOnExec()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        FileDescriptorState state = host.Host.GetDescriptorState(gmem.Fd);
        Assert.Equal(FileDescriptorState.ReadWrite, state.StatusFlags & FileDescriptorState.AccessModeMask);
        Assert.NotEqual(0, state.StatusFlags & FileDescriptorState.LargeFile);
        Assert.False(state.CloseOnExec, "guest_memfd descriptors are not close-on-exec");
    }

    [Fact]
    public void Dup_SharesTheFile_SurvivesClosingTheOriginal()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        int copy = host.Host.Dup(gmem.Fd);
        Assert.NotEqual(gmem.Fd, copy);
        gmem.Dispose();
        Assert.Equal(4 * Pg, host.Host.FileStat(copy).Size);
        Assert.True(ReferenceTestHost.FileOf(gmem).IsLive, "the dup keeps the file");
        host.Host.Close(copy);
        Assert.False(ReferenceTestHost.FileOf(gmem).IsLive, "released with the last descriptor");
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => host.Host.FileStat(copy)).Errno);
    }

    [Fact]
    public void Dispose_Twice_ClosesOnce()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        int fd = gmem.Fd;
        gmem.Dispose();
        using IGuestMemfd next = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        Assert.Equal(fd, next.Fd);
        gmem.Dispose();
        Assert.Equal(Pg, host.Host.FileStat(next.Fd).Size);
    }
}
