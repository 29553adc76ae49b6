using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Host;

/// <summary>pin_user_pages on the Reference host process.</summary>
public sealed class HostAddressSpaceGupTests
{
    private const long Pg = Page.Size;

    [Fact]
    public void PinSharedGmemPage_PunchKeepsFrameUntilUnpin_NoLeak()
    {
        using var host = new ReferenceTestHost();
        MemoryManager mm = host.Hypervisor.Frames.Mm;
        ulong free = mm.FreeFrames;
        using (var vm = host.CreateVm())
        using (IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared))
        using (HostMapping map = gmem.Map(0, 2 * Pg))
        {
            var space = host.Process.AddressSpace;
            Pfn frame = space.PinUserPage(map.Address, write: true, PinFlags.Longterm);
            Assert.Equal(1, mm.Pins.PinCount(frame));
            Assert.Equal(Errno.EBUSY, Assert.Throws<GmemException>(() => space.PinUserPage(map.Address, write: false, PinFlags.Exclusive)).Errno);
            gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
            Assert.Equal(free - 1, mm.FreeFrames);
            Assert.True(space.UnpinUserPage(frame, PinFlags.Longterm), "unpinned");
            Assert.Equal(free, mm.FreeFrames);
            Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => space.PinUserPage(new Hva(0x1000), write: false, PinFlags.None)).Errno);
        }
        Assert.Equal(free, mm.FreeFrames);
    }

    [Fact]
    public void PinPrivateGmemPage_HostAccessFault()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.Mmap);
        using HostMapping map = gmem.Map(0, Pg);
        Assert.Throws<HostAccessFault>(() => host.Process.AddressSpace.PinUserPage(map.Address, write: false, PinFlags.None));
    }
}
