namespace Gmem.Contract.Tests;

// §4.2: plain file operations on a guest memory file.
public abstract partial class GuestMemfdContractTests
{
    [SkippableTheory]
    [MemberData(nameof(FlagSets))]
    public void FileReadWrite_AnyFile_ReadWriteEinvalPositionalEspipe(GuestMemfdFlags flags)
    {
        IGuestMemfd file = NewFile(4 * Pg, flags);
        byte[] buffer = new byte[64];
        AssertErrno(Errno.EINVAL, () => Host.FileRead(file.Fd, buffer), "read (scenario 9)");
        AssertErrno(Errno.EINVAL, () => Host.FileWrite(file.Fd, buffer), "write (scenario 9)");
        AssertErrno(Errno.ESPIPE, () => Host.FilePRead(file.Fd, buffer, 0), "pread (scenario 9)");
        AssertErrno(Errno.ESPIPE, () => Host.FilePWrite(file.Fd, buffer, 0), "pwrite (scenario 9)");
    }

    [SkippableFact]
    public void FileStat_NewFile_SizeBlockSizeModeAndNoBlocks()
    {
        IGuestMemfd file = NewFile(4 * Pg);
        FileStatus status = Host.FileStat(file.Fd);
        Assert.Equal(4L * Pg, status.Size);
        Assert.Equal(Pg, status.BlockSize);
        Assert.True(status.IsRegularFile, $"S_IFREG expected, mode 0{Convert.ToString(status.Mode, 8)}");
        Assert.Equal(0x180u, status.Permissions);   // 0600
        file.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
        Assert.Equal(0L, Host.FileStat(file.Fd).Blocks);   // st_blocks stays 0 even when populated (6.18)
    }

    [SkippableTheory]
    [InlineData(0L)]
    [InlineData(4L * Pg)]
    [InlineData(8L * Pg)]
    [InlineData(Pg + 1L)]
    public void FileTruncate_AnySize_Einval(long length)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(Errno.EINVAL, () => Host.FileTruncate(file.Fd, length), $"ftruncate to {length} (scenario 11)");
        Assert.Equal(4L * Pg, Host.FileStat(file.Fd).Size);
    }

    [SkippableTheory]
    [InlineData(SeekOrigin.Begin)]
    [InlineData(SeekOrigin.Current)]
    [InlineData(SeekOrigin.End)]
    public void FileSeek_AnyOrigin_Espipe(SeekOrigin origin)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(Errno.ESPIPE, () => Host.FileSeek(file.Fd, 0, origin), $"lseek {origin} (scenario 11)");
    }

    [SkippableTheory]
    [InlineData(0x5401u)]        // TCGETS
    [InlineData(0xAE03u)]        // KVM_CHECK_EXTENSION: not a guest_memfd ioctl
    public void Ioctl_UnknownRequest_Enotty(uint request)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(Errno.ENOTTY, () => Host.Ioctl(file.Fd, request), $"ioctl 0x{request:x} (scenario 11)");
    }

    [SkippableFact]
    public void SetMemoryAttributes_PerFile_EnottyWithoutModelB()
    {
        IGuestMemfd file = NewFile(4 * Pg, GuestMemfdFlags.Mmap);
        Skip.If(HasPerFileAttributes, "The platform implements per-file attributes (model B); see the conversion suites.");
        AssertErrno(Errno.ENOTTY, () => file.SetMemoryAttributes(0, Pg, MemoryAttributes.Private), "per-file attributes (spec §2.18)");
    }

    [SkippableFact]
    public void GetDescriptorState_NewFile_ReadWriteLargeFileWithoutCloseOnExec()
    {
        IGuestMemfd file = NewFile(4 * Pg);
        FileDescriptorState state = Host.GetDescriptorState(file.Fd);
        Assert.Equal(FileDescriptorState.ReadWrite, state.StatusFlags & FileDescriptorState.AccessModeMask);
        Assert.True((state.StatusFlags & FileDescriptorState.LargeFile) != 0, $"O_LARGEFILE expected in 0x{state.StatusFlags:x} (scenario 12)");
        Assert.False(state.CloseOnExec, "guest_memfd has no way to request FD_CLOEXEC (scenario 12)");
    }

    [SkippableFact]
    public void ReopenByPath_GuestMemfd_EnxioButDupWorks()
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(Errno.ENXIO, () => Host.Close(Host.ReopenByPath(file.Fd)), "open(/proc/self/fd/N) (scenario 12a)");
        int copy = Host.Dup(file.Fd);
        try
        {
            Assert.Equal(Host.FileStat(file.Fd).Inode, Host.FileStat(copy).Inode);
        }
        finally
        {
            Host.Close(copy);
        }
    }

    [SkippableFact]
    public void Map_AfterGmemAndVmClosed_MappingKeepsContents()
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        IGuestMemfd file = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        HostMapping map = Own(file.Map(0, 4 * Pg));
        map.Write(Pg, [0x5A, 0x5B]);
        file.Dispose();
        vm.Dispose();
        byte[] back = new byte[2];
        map.Read(Pg, back);
        Assert.Equal(new byte[] { 0x5A, 0x5B }, back);
        map.Write(3 * Pg, [0x11]);
        map.Read(3 * Pg, back.AsSpan(0, 1));
        Assert.Equal(0x11, back[0]);
    }
}
