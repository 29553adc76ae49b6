namespace Gmem.Contract.Tests;

// §4.4: mmap and host faults. A host access the kernel answers with SIGBUS is a HostAccessFault, and the test
// process keeps running (each test goes on using the mapping afterwards).
public abstract partial class GuestMemfdContractTests
{
    private const GuestMemfdFlags Shared = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared;

    [SkippableTheory]
    [InlineData(Pg)]
    [InlineData(4 * Pg)]
    public void Map_FileWithoutMmap_Enodev(long length)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(Errno.ENODEV, () => file.Map(0, length).Dispose(), "mmap of a file without MMAP (scenario 25)");
        AssertErrno(Errno.ENODEV, () => Host.MapFile(file.Fd, 0, length, MapProtection.ReadWrite, MapFlags.Private).Dispose(),
            "MMAP check comes before the MAP_SHARED check");
    }

    [SkippableTheory]
    [InlineData(MapProtection.ReadWrite)]
    [InlineData(MapProtection.Read)]
    public void MapFile_PrivateMapping_Einval(MapProtection protection)
    {
        IGuestMemfd file = NewFile(4 * Pg, Shared);
        AssertErrno(Errno.EINVAL, () => Host.MapFile(file.Fd, 0, Pg, protection, MapFlags.Private).Dispose(), "MAP_PRIVATE (scenario 26)");
    }

    [SkippableFact]
    public void Map_WriteEverythingThenPunchPageZero_PageZeroReadsZeroOthersKept()
    {
        IGuestMemfd file = NewFile(4 * Pg, Shared);
        HostMapping map = Own(file.Map(0, 4 * Pg));
        byte[] pattern = Enumerable.Repeat((byte)0xAA, 4 * Pg).ToArray();
        map.Write(0, pattern);
        byte[] back = new byte[4 * Pg];
        map.Read(0, back);
        Assert.Equal(pattern, back);
        file.Fallocate(FallocateMode.PunchHole, 0, Pg);        // 27
        map.Read(0, back);
        Assert.True(back.AsSpan(0, Pg).IndexOfAnyExcept((byte)0) < 0, "punched page 0 reads zero");
        Assert.True(back.AsSpan(Pg).IndexOfAnyExcept((byte)0xAA) < 0, "pages 1-3 keep 0xaa");
        map.Write(0, pattern.AsSpan(0, Pg));
        map.Read(0, back);
        Assert.Equal(pattern, back);
    }

    [SkippableFact]
    public void Map_BeyondEndOfFile_WriteAndReadFaultInsideFileIntact()
    {
        IGuestMemfd file = NewFile(4 * Pg, Shared);
        HostMapping map = Own(file.Map(0, 16 * Pg));             // 28
        byte[] everything = Enumerable.Repeat((byte)0xAA, 16 * Pg).ToArray();
        HostAccessFault write = Assert.Throws<HostAccessFault>(() => map.Write(0, everything));
        Assert.Equal(map.Address + (long)(4 * Pg), write.Address);
        HostAccessFault read = Assert.Throws<HostAccessFault>(() => map.Read(4 * Pg, new byte[1]));
        Assert.Equal(map.Address + (long)(4 * Pg), read.Address);
        byte[] inside = new byte[4 * Pg];
        map.Read(0, inside);
        Assert.True(inside.AsSpan().IndexOfAnyExcept((byte)0xAA) < 0, "bytes before EOF were written");
    }

    [SkippableFact]
    public void Map_MmapWithoutInitShared_EveryAccessFaults()
    {
        IGuestMemfd file = NewFile(4 * Pg, GuestMemfdFlags.Mmap);
        HostMapping map = Own(file.Map(0, 4 * Pg));              // 29
        Assert.Throws<HostAccessFault>(() => map.Write(0, Enumerable.Repeat((byte)0xAA, 4 * Pg).ToArray()));
        HostAccessFault read = Assert.Throws<HostAccessFault>(() => map.Read(0, new byte[1]));
        Assert.Equal(map.Address, read.Address);
        Assert.Throws<HostAccessFault>(() => map.Read(3 * Pg + 5, new byte[1]));
    }

    [SkippableFact]
    public void Advise_HugePageAcceptedCollapseEinvalDontNeedKeepsData()
    {
        IGuestMemfd file = NewFile(Mb2, Shared);
        HostMapping map = Own(file.Map(0, Mb2));                 // 30 (the mapping need not be 2 MiB aligned here)
        byte[] page = new byte[Pg];
        for (long offset = 0; offset < Mb2; offset += Pg)
        {
            map.Read(offset, page.AsSpan(0, 1));
        }
        map.Write(0, [0x42]);
        Host.Advise(map.Address, Mb2, MemoryAdvice.HugePage);
        AssertErrno(Errno.EINVAL, () => Host.Advise(map.Address, Mb2, MemoryAdvice.Collapse), "MADV_COLLAPSE: no THP in guest_memfd mappings");
        Host.Advise(map.Address, Mb2, MemoryAdvice.DontNeed);
        map.Read(0, page.AsSpan(0, 1));
        Assert.Equal(0x42, page[0]);                             // 31: DONTNEED drops PTEs, not data
    }

    [SkippableFact]
    public void Map_FreshPage_ReadsZeroAndExecIsRefused()
    {
        IGuestMemfd file = NewFile(4 * Pg, Shared);
        HostMapping map = Own(file.Map(0, 4 * Pg));              // 31
        byte[] page = new byte[Pg];
        page.AsSpan().Fill(0xEE);
        map.Read(2 * Pg, page);
        Assert.True(page.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a fresh page reads zero");
        AssertErrno(Errno.EACCES, () => Host.Protect(map.Address, Pg, MapProtection.Read | MapProtection.Exec), "PROT_EXEC on a noexec mount");
    }

    [SkippableFact]
    public void Map_DupedDescriptorAfterOriginalClosed_SharesContents()
    {
        IGuestMemfd file = NewFile(4 * Pg, Shared);
        HostMapping first = Own(file.Map(0, 4 * Pg));
        first.Write(Pg, [0x77]);
        int copy = Host.Dup(file.Fd);
        try
        {
            HostMapping second = Own(Host.MapFile(copy, Pg, Pg, MapProtection.ReadWrite, MapFlags.Shared));
            byte[] one = new byte[1];
            second.Read(0, one);
            Assert.Equal(0x77, one[0]);
            HostMapping pastEnd = Own(Host.MapFile(copy, 4 * Pg, Pg, MapProtection.ReadWrite, MapFlags.Shared));
            Assert.Throws<HostAccessFault>(() => pastEnd.Read(0, one));
        }
        finally
        {
            Host.Close(copy);
        }
    }
}
