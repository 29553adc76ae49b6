namespace Gmem.Contract.Tests;

/// <summary>
/// KVM_PRE_FAULT_MEMORY (spec §2.15, scenarios 57–62), written only against the Gmem interfaces. Fixture: slot 10
/// of 2 MiB + 4 KiB at a 2 MiB-aligned GPA, backed by anonymous memory (default VM, SW_PROTECTED shared) or by a
/// guest memory file with the range set PRIVATE (SW_PROTECTED private). Skips where the VM type or the capability
/// is missing (this machine's kernel: KVM_CAP_PRE_FAULT_MEMORY = 0).
/// </summary>
public abstract class PreFaultContractTests : ContractTestBase
{
    /// <summary>The slot's GPA (2 MiB aligned, high in guest physical space).</summary>
    protected const ulong Base = 0x1_0000_0000;

    /// <summary>2 MiB + 4 KiB.</summary>
    protected const ulong Region = (ulong)Mb2 + Pg;

    /// <summary>The three settings of scenario 62.</summary>
    public enum Setting
    {
        /// <summary>Default VM, plain slot.</summary>
        DefaultVm,

        /// <summary>SW_PROTECTED VM, plain slot, shared.</summary>
        SwProtectedShared,

        /// <summary>SW_PROTECTED VM, gmem slot, range PRIVATE.</summary>
        SwProtectedPrivate,
    }

    private IVcpu Setup(Setting setting, out IVirtualMachine vm, out UserMemoryRegion slot)
    {
        Begin();
        VmType type = setting == Setting.DefaultVm ? VmType.Default : VmType.SwProtected;
        Skip.If((Hypervisor.CheckExtension(Capability.VmTypes) & (1L << (int)type)) == 0, $"VM type {type} is not in KVM_CAP_VM_TYPES.");
        vm = NewVm(type);
        Skip.If(vm.CheckExtension(Capability.PreFaultMemory) == 0, "KVM_CAP_PRE_FAULT_MEMORY is 0 on this VM.");
        HostMapping backing = Own(Host.MapAnonymous((long)Region));
        if (setting == Setting.SwProtectedPrivate)
        {
            Skip.If((vm.CheckExtension(Capability.MemoryAttributes) & (long)MemoryAttributes.Private) == 0, "No PRIVATE attribute.");
            IGuestMemfd gmem = Own(vm.CreateGuestMemfd((long)Region, GuestMemfdFlags.None));
            slot = new UserMemoryRegion(10, MemslotFlags.GuestMemfd, Base, Region, backing.Address.Value, 0, gmem.Fd);
            vm.SetUserMemoryRegion(slot);
            vm.SetMemoryAttributes(Base, Region, MemoryAttributes.Private);
        }
        else
        {
            slot = new UserMemoryRegion(10, MemslotFlags.None, Base, Region, backing.Address.Value);
            vm.SetUserMemoryRegion(slot);
        }
        return Own(vm.CreateVcpu(0));
    }

    [SkippableTheory]
    [InlineData(Setting.DefaultVm)]
    [InlineData(Setting.SwProtectedShared)]
    [InlineData(Setting.SwProtectedPrivate)]
    public void PreFaultMemory_InsideAcrossAndOutsideTheSlot_ProgressThenENOENT(Setting setting)
    {
        IVcpu vcpu = Setup(setting, out _, out _);

        ulong gpa = Base;
        ulong size = (ulong)Mb2;
        vcpu.PreFaultMemory(ref gpa, ref size);
        Assert.True(size == 0, $"Scenario 57: the whole 2 MiB is done ({size} bytes left).");
        Assert.Equal(Base + (ulong)Mb2, gpa);

        gpa = Base + (ulong)Mb2;
        size = 2 * Pg;
        vcpu.PreFaultMemory(ref gpa, ref size);
        Assert.True(size == Pg, "Scenario 58: one page processed, one left.");
        AssertErrno(Errno.ENOENT, () => vcpu.PreFaultMemory(ref gpa, ref size), "Scenario 58: the next page has no memslot");
        Assert.Equal((ulong)Pg, size);

        gpa = Base + Region;
        size = Pg;
        AssertErrno(Errno.ENOENT, () => vcpu.PreFaultMemory(ref gpa, ref size), "Scenario 59: entirely outside the slot");
        Assert.Equal((ulong)Pg, size);
    }

    [SkippableTheory]
    [InlineData(0UL, 0UL, "size 0 (scenario 61)")]
    [InlineData(Base + 1, (ulong)Pg, "unaligned gpa")]
    [InlineData(Base, 1UL, "unaligned size")]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 2UL * Pg, "range wraps")]
    public void PreFaultMemory_BadRange_EINVAL(ulong gpa, ulong size, string because)
    {
        IVcpu vcpu = Setup(Setting.DefaultVm, out _, out _);
        AssertErrno(Errno.EINVAL, () => vcpu.PreFaultMemory(ref gpa, ref size), because);
    }

    [SkippableFact]
    public void PreFaultMemory_ConcurrentDeleteAndRecreate_EachCallProgressesXorFails()
    {
        // Scenario 60, bounded in iterations and seconds.
        IVcpu vcpu = Setup(Setting.DefaultVm, out IVirtualMachine vm, out UserMemoryRegion slot);
        using var stop = new CancellationTokenSource();
        var flipper = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                vm.SetUserMemoryRegion(slot with { MemorySize = 0 });
                vm.SetUserMemoryRegion(slot);
                // Like the selftest's delete worker: cycles spaced out, so faults can also complete.
                Thread.Sleep(1);
            }
        });
        flipper.Start();
        int progressed = 0;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 2000 && clock.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                ulong gpa = Base;
                ulong size = Region;
                try
                {
                    vcpu.PreFaultMemory(ref gpa, ref size);
                    Assert.True(size < Region && gpa == Base + (Region - size), "A successful call made progress and reports the rest.");
                    progressed++;
                }
                catch (GmemException e)
                {
                    Assert.True(size == Region && gpa == Base, $"A failing call ({e.Errno}) leaves gpa/size unchanged.");
                    Assert.True(e.Errno is Errno.ENOENT or Errno.EINTR or Errno.EAGAIN, $"Unexpected {e.Errno}.");
                }
            }
        }
        finally
        {
            stop.Cancel();
            flipper.Join();
        }
        Assert.True(progressed > 0, "Some calls made progress.");
        ulong g = Base;
        ulong s = Region;
        vcpu.PreFaultMemory(ref g, ref s);
        Assert.True(s == 0, "After the last re-creation the whole region pre-faults.");
    }
}
