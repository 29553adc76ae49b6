namespace Gmem.Contract.Tests;

/// <summary>
/// The host process contract (<see cref="IHostProcess"/>): user copies that fail with an errno instead of
/// crashing, anonymous mappings, protection changes and plain (memfd) file operations. One subclass per platform.
/// </summary>
public abstract class HostProcessContractTests : ContractTestBase
{
    [SkippableFact]
    public void ReadWrite_AnonymousMapping_RoundTripAndFreshPagesReadZero()
    {
        Begin();
        HostMapping map = Own(Host.MapAnonymous(4 * Pg));
        byte[] fresh = new byte[4 * Pg];
        fresh.AsSpan().Fill(0xEE);
        map.Read(0, fresh);
        Assert.True(fresh.AsSpan().IndexOfAnyExcept((byte)0) < 0, "fresh anonymous memory reads zero");
        byte[] data = Enumerable.Range(0, 2 * Pg).Select(i => (byte)(i % 251)).ToArray();
        Host.Write(map.Address + (long)(Pg / 2), data);
        byte[] back = new byte[data.Length];
        Host.Read(map.Address + (long)(Pg / 2), back);
        Assert.Equal(data, back);
    }

    [SkippableFact]
    public void Read_ProtNonePage_EfaultNotHostAccessFault()
    {
        Begin();
        HostMapping map = Own(Host.MapAnonymous(2 * Pg));
        Host.Protect(map.Address + (long)Pg, Pg, MapProtection.None);
        GmemException e = AssertErrno(Errno.EFAULT, () => Host.Read(map.Address + (long)Pg, new byte[8]), "read of a PROT_NONE page");
        Assert.IsNotType<HostAccessFault>(e);
        AssertErrno(Errno.EFAULT, () => Host.Write(map.Address + (long)Pg, new byte[8]), "write of a PROT_NONE page");
        Host.Protect(map.Address + (long)Pg, Pg, MapProtection.Read);
        Host.Read(map.Address + (long)Pg, new byte[8]);
        AssertErrno(Errno.EFAULT, () => Host.Write(map.Address + (long)Pg, new byte[8]), "write of a read-only page");
    }

    [SkippableTheory]
    [InlineData(0x1000ul)]
    [InlineData(0x8000_0000_0000_0000ul)]
    public void Read_NeverMappedAddress_Efault(ulong address)
    {
        Begin();
        GmemException e = AssertErrno(Errno.EFAULT, () => Host.Read(new Hva(address), new byte[8]), $"read at 0x{address:x}");
        Assert.IsNotType<HostAccessFault>(e);
    }

    [SkippableFact]
    public void Memfd_FileOperations_BehaveLikeARegularFile()
    {
        Begin();
        int fd = Host.CreateMemfd("gmem-contract", 2 * Pg);
        try
        {
            Assert.Equal(2L * Pg, Host.FileStat(fd).Size);
            Assert.Equal(3, Host.FileWrite(fd, [1, 2, 3]));
            Assert.Equal(3L, Host.FileSeek(fd, 0, SeekOrigin.Current));
            Assert.Equal(0L, Host.FileSeek(fd, 0, SeekOrigin.Begin));
            byte[] back = new byte[3];
            Assert.Equal(3, Host.FileRead(fd, back));
            Assert.Equal(new byte[] { 1, 2, 3 }, back);
            Assert.Equal(2, Host.FilePWrite(fd, [9, 8], Pg));
            Assert.Equal(2, Host.FilePRead(fd, back.AsSpan(0, 2), Pg));
            Assert.Equal(new byte[] { 9, 8 }, back[..2]);
            Host.FileTruncate(fd, 4 * Pg);
            Assert.Equal(4L * Pg, Host.FileStat(fd).Size);
            HostMapping map = Own(Host.MapFile(fd, 0, Pg, MapProtection.ReadWrite, MapFlags.Shared));
            map.Read(0, back);
            Assert.Equal(new byte[] { 1, 2, 3 }, back);
        }
        finally
        {
            Host.Close(fd);
        }
        AssertErrno(Errno.EBADF, () => Host.Close(fd), "second close");
    }
}
