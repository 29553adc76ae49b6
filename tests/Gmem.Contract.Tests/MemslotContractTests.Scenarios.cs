namespace Gmem.Contract.Tests;

// Scenarios 35, 41–48 and §2.8 (delete), plus the per-VM attribute ioctl's availability (§2.13).
public abstract partial class MemslotContractTests
{
    [SkippableFact]
    public void SetUserMemoryRegion_EveryUndefinedFlagBit_EinvalForV1AndV2()
    {
        Setup();
        for (int bit = 2; bit < 32; bit++)                                       // 35
        {
            var flag = (MemslotFlags)(1u << bit);
            UserMemoryRegion plain = new(3, flag, FreeGpa, (ulong)Mb2, Anonymous.Address.Value);
            AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegionLegacy(plain), $"v1 flag bit {bit}");
            if (bit >= 3)
            {
                AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(Valid with { Flags = MemslotFlags.GuestMemfd | flag }), $"v2 gmem flag bit {bit}");
                AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(plain), $"v2 plain flag bit {bit}");
            }
        }
    }

    [SkippableFact]
    public void SetUserMemoryRegion_PlainSlotFlagChange_AllowedUnlikeGmemSlots()
    {
        Setup();
        Vm.SetUserMemoryRegion(Slot0 with { Flags = MemslotFlags.LogDirtyPages });
        Vm.SetUserMemoryRegion(Slot0);
        Vm.SetUserMemoryRegion(Slot0 with { GuestPhysAddr = FreeGpa });           // a plain slot may move
    }

    [SkippableFact]
    public void SetUserMemoryRegion_OtherVmsFileInItsOwnVm_Succeeds()
    {
        Setup();
        IVirtualMachine other = NewVm();                                          // 41
        IGuestMemfd theirs = Own(other.CreateGuestMemfd(FileBytes, File.Flags));
        other.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.GuestMemfd, 0, (ulong)FileBytes, 0, 0, theirs.Fd));
        AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(Valid with { GuestMemfd = theirs.Fd }), "another VM's file (scenario 37)");
    }

    [SkippableFact]
    public void SetUserMemoryRegion_DisjointHalvesThenOverlap_OverlapRefusedWithPlatformErrno()
    {
        Setup();
        IGuestMemfd big = Own(Vm.CreateGuestMemfd(4 * Mb2, File.Flags));        // 42
        Vm.SetUserMemoryRegion(new UserMemoryRegion(3, MemslotFlags.GuestMemfd, 0x4000_0000, (ulong)(2 * Mb2), 0, 0, big.Fd));
        Vm.SetUserMemoryRegion(new UserMemoryRegion(4, MemslotFlags.GuestMemfd, 0x5000_0000, (ulong)(2 * Mb2), 0, 2 * Mb2, big.Fd));
        foreach (long offset in new[] { 0L, Mb2, 2 * Mb2, 3 * Mb2, Pg })
        {
            AssertErrno(OverlappingBindingErrno,
                () => Vm.SetUserMemoryRegion(new UserMemoryRegion(5, MemslotFlags.GuestMemfd, 0x6000_0000, (ulong)Mb2, 0, offset, big.Fd)),
                $"file range [0x{offset:x}, +2 MiB) overlaps a bound range (check 15)");
        }
        AssertErrno(Errno.EEXIST,
            () => Vm.SetUserMemoryRegion(new UserMemoryRegion(5, MemslotFlags.GuestMemfd, 0x4000_0000, (ulong)Mb2, 0, 0, big.Fd)),
            "GPA and file range both overlap: the GPA check (10) comes first");
        AssertErrno(Errno.EINVAL,
            () => Vm.SetUserMemoryRegion(new UserMemoryRegion(5, MemslotFlags.GuestMemfd, 0x6000_0000, (ulong)(4 * Mb2), 0, Mb2, big.Fd)),
            "file range overlaps a binding and runs past EOF: the EOF check (14) comes first");
    }

    [SkippableFact]
    public void SetUserMemoryRegion_DeleteGmemSlot_DeleteAgainEinvalRebindSucceeds()
    {
        Setup();
        UserMemoryRegion delete = new(1, MemslotFlags.GuestMemfd, 0, 0, 0, 0, -1);   // 45
        Vm.SetUserMemoryRegion(delete);
        AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(delete), "delete of a deleted slot");
        Vm.SetUserMemoryRegion(Slot1);
        Vm.SetUserMemoryRegion(Slot1 with { Slot = 1, MemorySize = 0 });
    }

    [SkippableFact]
    public void SetUserMemoryRegion_DeleteNonexistentSlot_Einval()
    {
        Setup();
        AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(new UserMemoryRegion(7, MemslotFlags.None, 0, 0, 0)), "delete of slot 7 (§2.8)");
    }

    [SkippableFact]
    public void SetUserMemoryRegion_DeleteAfterFileClosed_Succeeds()
    {
        Setup();
        File.Dispose();                                                           // 46
        Vm.SetUserMemoryRegion(Slot1 with { MemorySize = 0, GuestMemfd = -1 });
    }

    [SkippableFact]
    public void SetUserMemoryRegion_GmemOnlySlotWithNullUserspaceAddr_Accepted()
    {
        Setup(GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);                 // 47
        Vm.SetUserMemoryRegion(Valid with { UserspaceAddr = 0 });
        Vm.SetUserMemoryRegion(Valid with { MemorySize = 0 });
        HostMapping map = Own(File.Map(0, FileBytes));
        Vm.SetUserMemoryRegion(Valid with { UserspaceAddr = map.Address.Value + (ulong)Mb2 });
    }

    [SkippableFact]
    public void SetUserMemoryRegion_SignedOffsetOverflow_PlatformAnswer()
    {
        Setup();
        UserMemoryRegion request = Valid with { GuestMemfdOffset = 0x7FFF_FFFF_FFFF_F000 };   // 48
        if (AcceptsSignedOffsetOverflow)
        {
            Vm.SetUserMemoryRegion(request);
            Vm.SetUserMemoryRegion(request with { MemorySize = 0 });
        }
        else
        {
            AssertErrno(Errno.EINVAL, () => Vm.SetUserMemoryRegion(request), "offset 0x7FFF_FFFF_FFFF_F000 + 2 MiB is past EOF (7.2)");
        }
    }

    [SkippableFact]
    public void SetMemoryAttributes_DefaultVm_EnottyWithoutIoctlElseEinval()
    {
        Setup();
        long system = Hypervisor.CheckExtension(Capability.MemoryAttributes);
        long vm = Vm.CheckExtension(Capability.MemoryAttributes);
        Skip.If((vm & (long)MemoryAttributes.Private) != 0, "this default VM supports PRIVATE; the private-memory suites cover it.");
        Errno expected = system == 0 ? Errno.ENOTTY : Errno.EINVAL;
        AssertErrno(expected, () => Vm.SetMemoryAttributes(FreeGpa, Pg, MemoryAttributes.Private),
            $"KVM_SET_MEMORY_ATTRIBUTES with MEMORY_ATTRIBUTES = {system} (system) / {vm} (VM)");
    }
}
