using System.Runtime.InteropServices;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class PhysicalMemoryTests
{
    [Fact]
    public void Constructor_DefaultOptions_LaysOutSegmentsWithoutGaps()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { HugePages2M = 4, HugePages1G = 1, UseHostHugePages = false });
        Assert.Equal(new Pfn(PhysicalMemory.FirstPfnValue), memory.Huge1G.First);
        Assert.Equal(memory.Huge1G.End, memory.Normal.First);
        Assert.Equal(memory.Normal.End, memory.Huge2M.First);
        Assert.Equal(memory.Huge2M.End, memory.End);
        Assert.Equal((ulong)(1L << 30) >> Page.Shift, memory.Normal.Frames);
        Assert.Equal(4UL << 9, memory.Huge2M.Frames);
        Assert.Equal(0UL, memory.Normal.First.Value & ((1UL << 18) - 1));
    }

    [SkippableFact]
    public void Constructor_OnLinux_BacksNormalMemoryWithMemfd()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "memfd backing exists on Linux only.");
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Assert.Equal(HostBacking.Memfd, memory.Normal.Backing);
    }

    [Fact]
    public void WriteRead_AcrossFrames_RoundTrips()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        byte[] data = Enumerable.Range(0, 3 * Page.Size).Select(i => (byte)(i * 7)).ToArray();
        Pfn frame = memory.Normal.First + 5;
        memory.Write(frame, 100, data);
        var back = new byte[data.Length];
        memory.Read(frame, 100, back);
        Assert.Equal(data, back);
        Assert.True(memory.ContentEquals(frame, 100, data));
    }

    [Theory]
    [InlineData(0L, -1L)]
    [InlineData(1023L, 4088L)]
    [InlineData(1023L, 4096L)]
    [InlineData(1024L, 0L)]
    public void Read_OutsideSegment_Throws(long frameOffset, long byteOffset)
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        var buffer = new byte[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(memory.Normal.First + (ulong)frameOffset, byteOffset, buffer));
    }

    [Fact]
    public void Read_DefaultPfn_Throws()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(default, 0, new byte[1]));
    }

    [Fact]
    public void FillZeroIsZero_Range_BehaveAsMemset()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Pfn first = memory.Normal.First + 16;
        memory.Fill(first, 4, 0xAA);
        Assert.False(memory.IsZero(first, 4));
        Assert.True(memory.IsZero(first + 4, 1), "The frame after the filled range stays zero.");
        memory.Zero(first + 1, 2);
        Assert.True(memory.IsZero(first + 1, 2));
        Assert.False(memory.IsZero(first, 1));
        Assert.False(memory.IsZero(first + 3, 1));
    }

    [SkippableFact]
    public void MapView_Memfd_AliasesTheFrames()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "memfd backing exists on Linux only.");
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Pfn frame = memory.Normal.First + 3;
        using SafeBuffer view = memory.MapView(frame, 2);
        memory.Write(frame + 1, 8, [1, 2, 3]);
        Assert.Equal(2, view.Read<byte>((ulong)Page.Size + 9));
        view.Write<byte>(0, 0x5A);
        var back = new byte[1];
        memory.Read(frame, 0, back);
        Assert.Equal(0x5A, back[0]);
    }

    [Fact]
    public void Discard_WrittenFrames_ReadZero()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Pfn frame = memory.Normal.First + 9;
        memory.Fill(frame, 2, 0xFF);
        memory.Discard(frame, 2);
        Assert.True(memory.IsZero(frame, 2));
    }

    [Fact]
    public void CopyFrames_Overlapping_Throws()
    {
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.CopyFrames(memory.Normal.First, memory.Normal.First + 1, 2));
        memory.Fill(memory.Normal.First, 1, 0x11);
        memory.CopyFrames(memory.Normal.First, memory.Normal.First + 7, 1);
        Assert.True(memory.ContentEquals(memory.Normal.First + 7, 0, Enumerable.Repeat((byte)0x11, Page.Size).ToArray()));
    }

    [SkippableFact]
    public void Huge2M_HostHasFreeHugePages_UsesHugetlbMemfd()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "MFD_HUGETLB exists on Linux only.");
        Skip.If(HostFreeHugePages() < 2, $"The host has {HostFreeHugePages()} free 2 MiB huge pages; 2 are needed.");
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = 2, UseHostHugePages = true });
        // Another process may take the pages between the check and the mmap; then the fallback is correct.
        Assert.Contains(memory.Huge2M.Backing, new[] { HostBacking.HugetlbMemfd, HostBacking.Memfd });
        memory.Write(memory.Huge2M.First + 511, 4000, [9, 8, 7]);
        Assert.True(memory.ContentEquals(memory.Huge2M.First + 511, 4000, [9, 8, 7]));
    }

    [SkippableFact]
    public void Huge2M_MoreHugePagesThanTheHostHas_FallsBackToMemfd()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "memfd backing exists on Linux only.");
        int pages = HostTotalHugePages() + 1;
        using var memory = new PhysicalMemory(new ReferenceOptions { MemoryBytes = 4 << 20, HugePages2M = pages, UseHostHugePages = true });
        Assert.Equal(HostBacking.Memfd, memory.Huge2M.Backing);
        Assert.Equal((ulong)pages << 9, memory.Huge2M.Frames);
    }

    internal static int HostFreeHugePages() => ReadMeminfo("HugePages_Free:");

    private static int HostTotalHugePages() => ReadMeminfo("HugePages_Total:");

    private static int ReadMeminfo(string key)
    {
        string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? 0 : int.Parse(line[key.Length..].Trim());
    }
}
