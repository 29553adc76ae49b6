using Gmem.Reference.Host;

namespace Gmem.Reference.Tests.Host;

/// <summary>The host address space tells secondary MMUs before entries go (mmu notifier; spec §3 property 5/6).</summary>
public sealed class HostAddressSpaceNotifierTests
{
    private const long Pg = Page.Size;

    private sealed class Recorder : IMmuNotifier
    {
        public List<string> Calls { get; } = [];

        public Hva Origin { get; set; }

        public void InvalidateRangeStart(Hva start, Hva end) => Calls.Add($"start {(start - Origin) / (ulong)Pg}-{(end - Origin) / (ulong)Pg}");

        public void InvalidateRangeEnd(Hva start, Hva end) => Calls.Add($"end {(start - Origin) / (ulong)Pg}-{(end - Origin) / (ulong)Pg}");
    }

    [Fact]
    public void UnmapDontNeedProtectPunchCow_AllNotify()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        var recorder = new Recorder();
        host.Process.AddressSpace.RegisterNotifier(recorder);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        recorder.Origin = map.Address;
        map.Write(Pg, [1]);
        gmem.Fallocate(FallocateMode.PunchHole, 0, 2 * Pg);
        host.Host.Advise(map.Address + 2 * Pg, Pg, MemoryAdvice.DontNeed);
        host.Host.Protect(map.Address + 3 * Pg, Pg, MapProtection.Read);
        host.Process.AddressSpace.Unmap(map.Address + 3 * Pg, Pg);
        Assert.Equal(["start 0-2", "end 0-2", "start 2-3", "end 2-3", "start 3-4", "end 3-4", "start 3-4", "end 3-4"], recorder.Calls);

        int fd = host.Host.CreateMemfd("m", Pg);
        using HostMapping copy = host.Host.MapFile(fd, 0, Pg, MapProtection.ReadWrite, MapFlags.Private);
        recorder.Origin = copy.Address;
        recorder.Calls.Clear();
        copy.Read(0, new byte[1]);
        copy.Write(0, [1]);
        Assert.Equal(["start 0-1", "end 0-1"], recorder.Calls);
        host.Process.AddressSpace.UnregisterNotifier(recorder);
        host.Host.Close(fd);
    }
}
