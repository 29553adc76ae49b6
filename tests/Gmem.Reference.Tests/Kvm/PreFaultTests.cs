// KVM_PRE_FAULT_MEMORY on the Reference platform: spec §2.15, scenarios 57–62.
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class PreFaultTests
{
    private const ulong Size2M = 2UL << 20;
    private const ulong Region = Size2M + Page.Size;
    // "The top of guest physical space", 2 MiB aligned (the Reference has 52 address bits).
    private const ulong Base = (1UL << 52) - 4 * Size2M;

    public enum Setup
    {
        DefaultVm,
        SwProtectedShared,
        SwProtectedPrivate,
    }

    private static GuestVm Create(Setup setup, out IGuestMemfd? gmem)
    {
        var vm = new GuestVm(setup == Setup.DefaultVm ? VmType.Default : VmType.SwProtected);
        gmem = null;
        if (setup == Setup.SwProtectedPrivate)
        {
            gmem = vm.CreateGmem((long)Region);
            vm.AddGmemSlot(10, Base, gmem, 0, (long)Region);
            vm.SetPrivate(Base, Region, true);
        }
        else
        {
            HostMapping backing = vm.Hypervisor.Host.MapAnonymous((long)Region);
            vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(10, MemslotFlags.None, Base, Region, backing.Address.Value));
        }
        return vm;
    }

    [Theory]
    [InlineData(Setup.DefaultVm)]
    [InlineData(Setup.SwProtectedShared)]
    [InlineData(Setup.SwProtectedPrivate)]
    public void PreFault_Scenarios57To59_ThenGuestReadsEverything(Setup setup)
    {
        using GuestVm vm = Create(setup, out IGuestMemfd? gmem);
        using IGuestMemfd? _ = gmem;
        Vcpu vcpu = vm.AddVcpu(0, a => a.CheckRange(0x81, Base, Region, 0).Hlt());

        ulong gpa = Base;
        ulong size = Size2M;
        vcpu.PreFaultMemory(ref gpa, ref size);
        Assert.Equal(0UL, size);
        Assert.Equal(Base + Size2M, gpa);

        gpa = Base + Size2M;
        size = 2 * Page.Size;
        vcpu.PreFaultMemory(ref gpa, ref size);
        Assert.Equal((ulong)Page.Size, size);
        ulong left = size;
        ulong at = gpa;
        Assert.Equal(Errno.ENOENT, Assert.Throws<GmemException>(() => vcpu.PreFaultMemory(ref at, ref left)).Errno);
        Assert.Equal((ulong)Page.Size, left);

        gpa = Base + Region;
        size = Page.Size;
        ulong g3 = gpa;
        ulong s3 = size;
        Assert.Equal(Errno.ENOENT, Assert.Throws<GmemException>(() => vcpu.PreFaultMemory(ref g3, ref s3)).Errno);
        Assert.Equal((ulong)Page.Size, s3);

        ulong misses = (ulong)vcpu.StageTwoMisses;
        Assert.Equal([(0x81, 0u)], vm.RunToHalt(vcpu));
        // Only the code page faulted: the data was pre-faulted.
        Assert.Equal(misses + 1, (ulong)vcpu.StageTwoMisses);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, (ulong)Page.Size)]
    [InlineData(0UL, 1UL)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 0x2000UL)]
    public void PreFault_BadRange_EINVAL(ulong gpa, ulong size)
    {
        using var vm = new GuestVm(VmType.Default);
        Vcpu vcpu = vm.AddVcpu(0, a => a.Hlt());
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => vcpu.PreFaultMemory(ref gpa, ref size)).Errno);
    }

    [Fact]
    public void PreFault_ConcurrentDeleteAndRecreate_ProgressXorFailure()
    {
        // Scenario 60.
        using var vm = new GuestVm(VmType.Default);
        HostMapping backing = vm.Hypervisor.Host.MapAnonymous((long)Region);
        var region = new UserMemoryRegion(10, MemslotFlags.None, Base, Region, backing.Address.Value);
        vm.Vm.SetUserMemoryRegion(region);
        Vcpu vcpu = vm.AddVcpu(0, a => a.Hlt());
        using var stop = new CancellationTokenSource();
        var flipper = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                vm.Vm.SetUserMemoryRegion(region with { MemorySize = 0 });
                vm.Vm.SetUserMemoryRegion(region);
                // Like the selftest's delete worker: cycles spaced out, so faults can also complete.
                Thread.Sleep(1);
            }
        });
        flipper.Start();
        int progressed = 0;
        int failed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 2000 && clock.Elapsed < TimeSpan.FromSeconds(3); i++)
        {
            ulong gpa = Base;
            ulong size = Region;
            try
            {
                vcpu.PreFaultMemory(ref gpa, ref size);
                Assert.True(size < Region, "A successful call made progress.");
                Assert.Equal(Base + (Region - size), gpa);
                progressed++;
            }
            catch (GmemException e)
            {
                Assert.Equal(Region, size);
                Assert.Equal(Base, gpa);
                Assert.True(e.Errno is Errno.ENOENT or Errno.EINTR, $"Unexpected {e.Errno}.");
                failed++;
            }
        }
        stop.Cancel();
        flipper.Join();
        Assert.True(progressed > 0, "Some calls made progress.");
        ulong g = Base;
        ulong s = Region;
        vcpu.PreFaultMemory(ref g, ref s);
        Assert.Equal(0UL, s);
        _ = failed;
    }
}
