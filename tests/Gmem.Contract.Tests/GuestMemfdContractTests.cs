namespace Gmem.Contract.Tests;

/// <summary>
/// The guest memory file contract (spec §4.1 creation, §4.2 file semantics, §4.3 fallocate, §4.4 mmap and host
/// faults), written only against <see cref="IHypervisor"/>, <see cref="IVirtualMachine"/>, <see cref="IGuestMemfd"/>
/// and <see cref="IHostProcess"/>. One subclass per platform. Host-dependent answers (capabilities) are read
/// with CheckExtension and asserted against; kernel-version differences are overridable properties.
/// </summary>
public abstract partial class GuestMemfdContractTests : ContractTestBase
{
    /// <summary>KVM_CREATE_GUEST_MEMFD as a raw ioctl number (spec §0.3), for scenario 7.</summary>
    protected const uint KvmCreateGuestMemfd = 0xC040AED4;

    /// <summary>Whether the platform rejects non-zero <c>reserved</c> words (upstream does not: scenario 6).</summary>
    protected virtual bool ValidatesReserved => false;

    /// <summary>Whether the platform implements per-file attributes (model B); upstream answers ENOTTY.</summary>
    protected virtual bool HasPerFileAttributes => false;

    /// <summary>The flag sets of scenario 8: {0}, {MMAP}, {MMAP|INIT_SHARED}, each where supported.</summary>
    public static TheoryData<GuestMemfdFlags> FlagSets() =>
        new() { GuestMemfdFlags.None, GuestMemfdFlags.Mmap, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared };

    /// <summary>A new file on a new default VM.</summary>
    protected IGuestMemfd NewFile(long size, GuestMemfdFlags flags = GuestMemfdFlags.None)
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, flags);
        return Own(vm.CreateGuestMemfd(size, flags));
    }

    // ---- §4.1 creation ----------------------------------------------------------------------------

    [SkippableTheory]
    [MemberData(nameof(FlagSets))]
    public void CreateGuestMemfd_EverySizeBelowOnePage_Einval(GuestMemfdFlags flags)
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, flags);
        for (long size = 1; size < Pg; size++)
        {
            AssertErrno(Errno.EINVAL, () => vm.CreateGuestMemfd(size, flags).Dispose(), $"size {size} (scenario 1)");
        }
    }

    [SkippableTheory]
    [InlineData(0L)]
    [InlineData(Pg + 1L)]
    [InlineData(2L * Pg - 1)]
    [InlineData(long.MinValue)]           // 2^63 read as signed
    [InlineData(-Pg)]
    [InlineData(-1L)]
    public void CreateGuestMemfd_BadSize_Einval(long size)
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.None);
        AssertErrno(Errno.EINVAL, () => vm.CreateGuestMemfd(size, GuestMemfdFlags.None).Dispose(), $"size 0x{size:x} (scenario 2)");
    }

    [SkippableFact]
    public void CreateGuestMemfd_HugeLazySize_Succeeds()
    {
        using IGuestMemfd file = NewFile(1L << 40);
        Assert.Equal(1L << 40, Host.FileStat(file.Fd).Size);
    }

    [SkippableFact]
    public void CreateGuestMemfd_TwoFilesOnOneVm_DistinctInodesAndOwnSizes()
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.None);
        IGuestMemfd one = Own(vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None));
        IGuestMemfd two = Own(vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.None));
        FileStatus a = Host.FileStat(one.Fd);
        FileStatus b = Host.FileStat(two.Fd);
        Assert.Equal(Pg, a.Size);
        Assert.Equal(2 * Pg, b.Size);
        Assert.NotEqual(a.Inode, b.Inode);
        Assert.Equal(Pg, Host.FileStat(one.Fd).Size);
        Assert.Equal(Pg, one.Size);
        Assert.Equal(2L * Pg, two.Size);
    }

    [SkippableFact]
    public void CreateGuestMemfd_EachSingleFlagBit_SucceedsExactlyWhenReportedForEveryVmType()
    {
        long types = Begin().CheckExtension(Capability.VmTypes);
        Skip.If(types == 0, "KVM_CAP_VM_TYPES is 0.");
        for (int type = 0; type < 64; type++)
        {
            if ((types & (1L << type)) == 0)
            {
                continue;
            }
            IVirtualMachine vm = NewVm((VmType)type);
            if (vm.CheckExtension(Capability.GuestMemfd) == 0)
            {
                continue;
            }
            ulong supported = (ulong)vm.CheckExtension(Capability.GuestMemfdFlags);
            for (int bit = 0; bit < 64; bit++)
            {
                var flags = (GuestMemfdFlags)(1UL << bit);
                // The Reference-only huge-page flags need sizes that are multiples of their page.
                long size = flags == GuestMemfdFlags.Hugetlb2M ? Mb2 : flags == GuestMemfdFlags.Hugetlb1G ? Page.Size1G : Pg;
                if ((supported & (1UL << bit)) != 0)
                {
                    IGuestMemfd file = vm.CreateGuestMemfd(size, flags);
                    Assert.Equal(flags, file.Flags);
                    file.Dispose();
                }
                else
                {
                    AssertErrno(Errno.EINVAL, () => vm.CreateGuestMemfd(size, flags).Dispose(), $"VM type {type}, flag bit {bit} (scenario 4)");
                }
            }
        }
    }

    [SkippableFact]
    public void CheckExtension_DefaultVm_ReportsMmapAndInitShared()
    {
        IVirtualMachine vm = NewVm();
        Skip.If(vm.CheckExtension(Capability.GuestMemfd) == 0, "KVM_CAP_GUEST_MEMFD is 0.");
        ulong flags = (ulong)vm.CheckExtension(Capability.GuestMemfdFlags);
        Assert.True((flags & 3) == 3, $"a default VM accepts MMAP|INIT_SHARED (scenario 5); reported 0x{flags:x}.");
    }

    [SkippableFact]
    public void CreateGuestMemfd_NonZeroReserved_AcceptedUpstream()
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.None);
        if (ValidatesReserved)
        {
            AssertErrno(Errno.EINVAL, () => vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None, [1]).Dispose(), "reserved[0] = 1 on a strict platform");
        }
        else
        {
            using IGuestMemfd file = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None, [1, 0, 0, 0, 0, 0xFFFF]);
            Assert.Equal(Pg, Host.FileStat(file.Fd).Size);
        }
    }

    [SkippableFact]
    public void CreateGuestMemfdIoctl_OnSystemHandle_Einval()
    {
        IHypervisor hypervisor = Begin();
        AssertErrno(Errno.EINVAL, () => Host.Ioctl(hypervisor.Fd, KvmCreateGuestMemfd), "KVM_CREATE_GUEST_MEMFD on /dev/kvm (scenario 7)");
    }

    [SkippableTheory]
    [InlineData(VmType.Default)]
    [InlineData(VmType.SwProtected)]
    [InlineData(VmType.Sev)]
    [InlineData(VmType.SevEs)]
    [InlineData(VmType.Snp)]
    [InlineData(VmType.Tdx)]
    [InlineData((VmType)63)]
    public void CreateVm_Type_SucceedsExactlyWhenInVmTypes(VmType type)
    {
        IHypervisor hypervisor = Begin();
        long types = hypervisor.CheckExtension(Capability.VmTypes);
        bool supported = (ulong)type < 64 && (types & (1L << (int)type)) != 0;
        if (supported)
        {
            IVirtualMachine vm = Own(hypervisor.CreateVm(type));
            Assert.Equal(type, vm.Type);
        }
        else
        {
            AssertErrno(Errno.EINVAL, () => hypervisor.CreateVm(type).Dispose(), $"VM type {type} not in VM_TYPES 0x{types:x}");
        }
    }

    [SkippableFact]
    public void ApiVersion_Is12()
    {
        Assert.Equal(12, Begin().ApiVersion);
    }
}
