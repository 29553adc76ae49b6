// KVM_SET_USER_MEMORY_REGION(2) on the Reference platform: spec §2.7/§2.8, scenarios 34–48, check order.
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class MemslotTableTests : IDisposable
{
    private const ulong Gpa = 0x1_0000_0000;
    private const long FileSize = 4 * (2L << 20);
    private readonly ReferenceHypervisor _hypervisor = new();
    private readonly IVirtualMachine _vm;
    private readonly IGuestMemfd _gmem;

    public MemslotTableTests()
    {
        _vm = _hypervisor.CreateVm(VmType.SwProtected);
        _gmem = _vm.CreateGuestMemfd(FileSize, GuestMemfdFlags.None);
    }

    public void Dispose()
    {
        _gmem.Dispose();
        _vm.Dispose();
        _hypervisor.Dispose();
    }

    private static UserMemoryRegion GmemRegion(uint slot, ulong gpa, ulong size, long offset, int fd) =>
        new(slot, MemslotFlags.GuestMemfd, gpa, size, 0, offset, fd);

    private static void AssertErrno(Errno expected, Action action) =>
        Assert.Equal(expected, Assert.ThrowsAny<GmemException>(action).Errno);

    [Fact]
    public void SetLegacy_GuestMemfdFlag_EINVAL() =>
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegionLegacy(GmemRegion(0, Gpa, Page.Size, 0, _gmem.Fd)));

    [Fact]
    public void Set_EveryUndefinedFlagBit_EINVAL()
    {
        for (int bit = 3; bit < 32; bit++)
        {
            var region = new UserMemoryRegion(0, (MemslotFlags)(1u << bit), Gpa, Page.Size, 0);
            AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region));
            AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegionLegacy(region));
        }
    }

    [Theory]
    [InlineData(MemslotFlags.LogDirtyPages)]
    [InlineData(MemslotFlags.ReadOnly)]
    public void Set_GuestMemfdWithIncompatibleFlag_EINVAL(MemslotFlags extra) =>
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(0, Gpa, Page.Size, 0, _gmem.Fd) with { Flags = MemslotFlags.GuestMemfd | extra }));

    [Fact]
    public void Set_FdThatIsNotOwnGuestMemfd_EINVAL()
    {
        using IVirtualMachine other = _hypervisor.CreateVm(VmType.SwProtected);
        using IGuestMemfd otherGmem = other.CreateGuestMemfd(FileSize, GuestMemfdFlags.None);
        int memfd = _hypervisor.Host.CreateMemfd("plain", FileSize);
        foreach (int fd in new[] { _hypervisor.Fd, _vm.Fd, memfd, otherGmem.Fd })
        {
            AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(0, Gpa, Page.Size, 0, fd)));
        }
        // Scenario 41: the other VM binds its own file.
        other.SetUserMemoryRegion(GmemRegion(0, Gpa, Page.Size, 0, otherGmem.Fd));
        _hypervisor.Host.Close(memfd);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(9999)]
    public void Set_FdNotOpen_EBADF(int fd) =>
        AssertErrno(Errno.EBADF, () => _vm.SetUserMemoryRegion(GmemRegion(0, Gpa, Page.Size, 0, fd)));

    [Fact]
    public void Set_UnalignedGmemOffset_EINVAL()
    {
        for (long offset = 1; offset < Page.Size; offset++)
        {
            AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(0, Gpa, Page.Size, offset, _gmem.Fd)));
        }
    }

    [Theory]
    [InlineData(FileSize - Page.Size, 2 * Page.Size)]
    [InlineData(FileSize, Page.Size)]
    [InlineData(0x7FFF_FFFF_FFFF_F000, 2L << 20)]
    public void Set_RangePastEndOfFile_EINVAL(long offset, long size) =>
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(0, Gpa, (ulong)size, offset, _gmem.Fd)));

    [Fact]
    public void Set_OverlappingGmemRangeAtOtherGpa_EEXIST()
    {
        const long half = FileSize / 2;
        _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, half, 0, _gmem.Fd));
        _vm.SetUserMemoryRegion(GmemRegion(2, Gpa + (ulong)half, half, half, _gmem.Fd));
        AssertErrno(Errno.EEXIST, () => _vm.SetUserMemoryRegion(GmemRegion(3, Gpa * 2, half, half / 2, _gmem.Fd)));
        AssertErrno(Errno.EEXIST, () => _vm.SetUserMemoryRegion(GmemRegion(3, Gpa * 2, Page.Size, half, _gmem.Fd)));
    }

    [Fact]
    public void Set_OverlappingGpa_EEXISTBeforeFdChecks()
    {
        _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, 2 * Page.Size, 0, _gmem.Fd));
        AssertErrno(Errno.EEXIST, () => _vm.SetUserMemoryRegion(GmemRegion(2, Gpa + Page.Size, 2 * Page.Size, 2 * Page.Size, _gmem.Fd)));
        // Check 10 (EEXIST) comes before check 11 (EBADF).
        AssertErrno(Errno.EEXIST, () => _vm.SetUserMemoryRegion(GmemRegion(2, Gpa, Page.Size, 0, -1)));
        // Check 4 (unaligned offset, EINVAL) comes before check 10.
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(2, Gpa, Page.Size, 1, _gmem.Fd)));
    }

    [Fact]
    public void Set_ModifyGmemSlotOrAddGmemFlag_EINVAL()
    {
        UserMemoryRegion region = GmemRegion(1, Gpa, Page.Size, 0, _gmem.Fd);
        _vm.SetUserMemoryRegion(region);
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2 }));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region with { Flags = MemslotFlags.None }));
        // Even a move onto another slot's range: check 9 before check 10.
        _vm.SetUserMemoryRegion(new UserMemoryRegion(2, MemslotFlags.None, Gpa * 2, Page.Size, 0));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2 }));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(2, Gpa * 2, Page.Size, Page.Size, _gmem.Fd)));
    }

    [Fact]
    public void Set_PlainSlotMoveAndFlags_AllowedAndSizeChangeRejected()
    {
        var region = new UserMemoryRegion(1, MemslotFlags.None, Gpa, 2 * Page.Size, 0);
        _vm.SetUserMemoryRegion(region);
        _vm.SetUserMemoryRegion(region);
        _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2 });
        _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2, Flags = MemslotFlags.LogDirtyPages });
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2, MemorySize = Page.Size }));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(region with { GuestPhysAddr = Gpa * 2, Flags = MemslotFlags.ReadOnly }));
        VmCore core = ((Vm)_vm).Core;
        Assert.Equal(new Gpa(Gpa * 2).Gfn, Assert.Single(core.Slots.Slots).BaseGfn);
    }

    [Fact]
    public void Delete_GmemSlotThenAgain_OkThenEINVAL_AndRebindWorks()
    {
        UserMemoryRegion region = GmemRegion(1, Gpa, Page.Size, 0, _gmem.Fd);
        _vm.SetUserMemoryRegion(region);
        _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, 0, 0, -1));
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, 0, 0, -1)));
        _vm.SetUserMemoryRegion(region);
    }

    [Fact]
    public void Delete_AfterGmemClosed_Ok()
    {
        IGuestMemfd gmem = _vm.CreateGuestMemfd(Page.Size, GuestMemfdFlags.None);
        _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, Page.Size, 0, gmem.Fd));
        gmem.Dispose();
        Memslot slot = Assert.Single(((Vm)_vm).Core.Slots.Slots);
        Assert.True(slot.IsBindingDead, "Closing the file kills the binding; the slot stays.");
        _vm.SetUserMemoryRegion(GmemRegion(1, Gpa, 0, 0, -1));
        Assert.Empty(((Vm)_vm).Core.Slots.Slots);
    }

    [Fact]
    public void Set_GmemOnlySlotWithNullUserspaceAddress_Ok()
    {
        using IVirtualMachine vm = _hypervisor.CreateVm(VmType.Default);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Page.Size, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        vm.SetUserMemoryRegion(GmemRegion(1, Gpa, Page.Size, 0, gmem.Fd));
        Assert.True(Assert.Single(((Vm)vm).Core.Slots.Slots).IsGmemOnly);
    }

    [Theory]
    [InlineData(32764u, MemslotFlags.None, Gpa, (ulong)Page.Size, 0UL)]
    [InlineData(0u, MemslotFlags.None, Gpa + 1, (ulong)Page.Size, 0UL)]
    [InlineData(0u, MemslotFlags.None, Gpa, (ulong)Page.Size + 1, 0UL)]
    [InlineData(0u, MemslotFlags.None, Gpa, (ulong)Page.Size, 0x1001UL)]
    [InlineData(0u, MemslotFlags.None, Gpa, (ulong)Page.Size, 0x7FFF_FFFF_F000UL)]
    [InlineData(1u << 16, MemslotFlags.None, Gpa, (ulong)Page.Size, 0UL)]
    [InlineData(0u, MemslotFlags.None, 0xFFFF_FFFF_FFFF_F000UL, 2UL * Page.Size, 0UL)]
    [InlineData(0u, MemslotFlags.None, 0UL, 1UL << 44, 0UL)]
    public void Set_BadGeometry_EINVAL(uint slot, MemslotFlags flags, ulong gpa, ulong size, ulong uaddr) =>
        AssertErrno(Errno.EINVAL, () => _vm.SetUserMemoryRegion(new UserMemoryRegion(slot, flags, gpa, size, uaddr)));

    [Fact]
    public void Set_SecondAddressSpaceOnDefaultVm_Ok()
    {
        using IVirtualMachine vm = _hypervisor.CreateVm(VmType.Default);
        vm.SetUserMemoryRegion(new UserMemoryRegion(1u << 16, MemslotFlags.None, Gpa, Page.Size, 0));
        vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.None, Gpa, Page.Size, 0));
    }

    [Fact]
    public void Set_NewSlotDuringHostInvalidation_PublishedOnlyAfterItEnds()
    {
        // Spec §3 property 5: a slot is not published while an mmu-notifier invalidation is in flight.
        VmCore core = ((Vm)_vm).Core;
        HostMapping backing = _hypervisor.Host.MapAnonymous(Page.Size);
        core.InvalidateRangeStart(backing.Address, backing.Address + (ulong)Page.Size);
        var create = new Thread(() => _vm.SetUserMemoryRegion(new UserMemoryRegion(5, MemslotFlags.None, Gpa, Page.Size, backing.Address.Value)));
        create.Start();

        bool finishedEarly = create.Join(TimeSpan.FromMilliseconds(300));
        Assert.Empty(core.Slots.Slots);
        core.InvalidateRangeEnd(backing.Address, backing.Address + (ulong)Page.Size);

        Assert.False(finishedEarly, "Creation waits for the host invalidation.");
        Assert.True(create.Join(TimeSpan.FromSeconds(10)));
        Assert.Single(core.Slots.Slots);
    }
}
