// Spec §4.6 scenarios 49–53 and 55 on the Reference platform.
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class PrivateMemoryScenarioTests
{
    private const ulong DataGpa = 0xC000_0000;

    [Fact]
    public void Run_GmemOnlySharedSlot_GuestSeesHostBytesAndHostSeesGuestBytes()
    {
        // Scenario 49: default VM, MMAP|INIT_SHARED gmem bound at 4 GiB with userspace_addr 0.
        using var vm = new GuestVm(VmType.Default);
        using IGuestMemfd gmem = vm.CreateGmem(Page.Size, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using (HostMapping map = gmem.Map(0, Page.Size))
        {
            map.Write(0, Enumerable.Repeat((byte)0xaa, Page.Size).ToArray());
        }
        vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, 1UL << 32, Page.Size, 0, 0, gmem.Fd));
        Vcpu vcpu = vm.AddVcpu(0, a => a.CheckRange(0x81, 1UL << 32, Page.Size, 0xaa).FillRange(1UL << 32, Page.Size, 0xff).Hlt());

        var reports = vm.RunToHalt(vcpu);

        Assert.Equal([(0x81, 0u)], reports);
        using HostMapping again = gmem.Map(0, Page.Size);
        byte[] bytes = new byte[Page.Size];
        again.Read(0, bytes);
        Assert.All(bytes, b => Assert.Equal(0xff, b));
    }

    [Fact]
    public void Run_PrivateAccessToPlainSlot_MemoryFaultPrivate()
    {
        // Scenario 50.
        using var vm = new GuestVm(VmType.SwProtected);
        HostMapping backing = vm.Hypervisor.Host.MapAnonymous(Page.Size);
        vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.None, DataGpa, Page.Size, backing.Address.Value));
        vm.SetPrivate(DataGpa, Page.Size, true);
        Vcpu vcpu = vm.AddVcpu(0, a => a.MovImmediate(Register.R1, DataGpa).Load(8, Register.R2, Register.R1).Hlt());

        VcpuExit exit = vcpu.Run();

        AssertPrivateFault(exit, DataGpa);
    }

    [Fact]
    public void Run_SlotDeletedUnderSpinningPrivateReader_MemoryFaultPrivate()
    {
        // Scenario 51.
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(Page.Size);
        vm.AddGmemSlot(1, DataGpa, gmem, 0, Page.Size);
        vm.SetPrivate(DataGpa, Page.Size, true);
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            var loop = a.NewLabel();
            a.MovImmediate(Register.R1, DataGpa).Bind(loop).Load(8, Register.R2, Register.R1).Jump(loop);
        });

        VcpuExit? exit = null;
        var thread = new Thread(() => exit = vcpu.Run());
        thread.Start();
        SpinWait.SpinUntil(() => vcpu.StageTwoHits > 1000 || !thread.IsAlive, TimeSpan.FromSeconds(10));
        Assert.True(thread.IsAlive, "The guest spins on a mapped private page until the slot goes.");
        vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, DataGpa, 0, 0, 0, -1));

        bool exited = thread.Join(TimeSpan.FromSeconds(10));
        if (!exited)
        {
            vcpu.RequestExit();
            thread.Join();
        }
        Assert.True(exited, "The reader exits once the slot is deleted.");
        AssertPrivateFault(exit!, DataGpa);
    }

    [Fact]
    public void Run_MapGpaRangeEnabled_ForwardedAndRetWritten()
    {
        // Scenario 52.
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(4 * Page.Size);
        vm.AddGmemSlot(1, DataGpa, gmem, 0, 4 * Page.Size);
        vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        Vcpu vcpu = vm.AddVcpu(0, a => a.MapGpaRange(0x80, DataGpa + Page.Size, 2, toPrivate: true).Hlt());

        VcpuExit exit = vcpu.Run();

        var call = Assert.IsType<VcpuExit.Hypercall>(exit);
        Assert.Equal(12UL, call.Nr);
        Assert.Equal([DataGpa + Page.Size, 2UL, GuestVm.HypercallPrivate], call.Args[..3]);
        Assert.Equal(1UL, call.Flags & 1);
        vm.SetPrivate(call.Args[0], call.Args[1] << Page.Shift, true);
        call.Ret = 0;
        var io = Assert.IsType<VcpuExit.Io>(vcpu.Run());
        Assert.Equal(0u, io.Value);
        Assert.IsType<VcpuExit.Hlt>(vcpu.Run());
        Assert.True(vm.Core.Attributes.IsPrivate(new Gpa(DataGpa + Page.Size).Gfn));
        Assert.False(vm.Core.Attributes.IsPrivate(new Gpa(DataGpa).Gfn));
    }

    [Theory]
    [InlineData(false, 0x1000UL, 1UL, unchecked((uint)-1000))]
    [InlineData(true, 0x1001UL, 1UL, unchecked((uint)-22))]
    [InlineData(true, 0x1000UL, 0UL, unchecked((uint)-22))]
    [InlineData(true, 0x1000UL, ulong.MaxValue, unchecked((uint)-22))]
    public void Run_MapGpaRangeRejected_GuestSeesReturnCode(bool enable, ulong gpa, ulong pages, uint expected)
    {
        using var vm = new GuestVm(VmType.SwProtected);
        if (enable)
        {
            vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        }
        Vcpu vcpu = vm.AddVcpu(0, a => a.MapGpaRange(0x80, gpa, pages, toPrivate: true).Hlt());

        var io = Assert.IsType<VcpuExit.Io>(vcpu.Run());

        Assert.Equal(expected, io.Value);
    }

    [Fact]
    public void Run_WritesBeforeAndAfterConversion_HostSeesOnlySharedOnes()
    {
        // Scenario 53.
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(Page.Size);
        HostMapping backing = vm.AddGmemSlot(1, DataGpa, gmem, 0, Page.Size);
        vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        Vcpu vcpu = vm.AddVcpu(0, a => a
            .FillRange(DataGpa, Page.Size, 0xaa)
            .MapGpaRange(0x80, DataGpa, 1, toPrivate: true)
            .FillRange(DataGpa, Page.Size, 0xbb)
            .CheckRange(0x81, DataGpa, Page.Size, 0xbb)
            .Hlt());

        var reports = vm.RunToHalt(vcpu);

        Assert.Equal([(0x80, 0u), (0x81, 0u)], reports);
        byte[] host = new byte[Page.Size];
        backing.Read(0, host);
        Assert.All(host, b => Assert.Equal(0xaa, b));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_PunchHoleOnPrivatePages_GuestReadsZero(bool faultWholeArea)
    {
        // Scenario 55: the host punches page 3 of 16 private pages at the guest's request.
        const ulong pages = 16;
        const ulong target = DataGpa + 3 * Page.Size;
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem((long)pages * Page.Size);
        vm.AddGmemSlot(1, DataGpa, gmem, 0, (long)pages * Page.Size);
        vm.SetPrivate(DataGpa, pages * Page.Size, true);
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            if (faultWholeArea)
            {
                a.FillRange(DataGpa, pages * Page.Size, 0x77);
            }
            else
            {
                a.FillRange(target, Page.Size, 0x77);
            }
            a.CheckRange(0x81, target, Page.Size, 0x77).Sync(0x90).CheckRange(0x82, target, Page.Size, 0);
            if (faultWholeArea)
            {
                a.CheckRange(0x83, DataGpa, 3 * Page.Size, 0x77).CheckRange(0x84, target + Page.Size, 12 * Page.Size, 0x77);
            }
            a.Hlt();
        });

        var reports = vm.RunToHalt(vcpu, onOut: (port, _) =>
        {
            if (port == 0x90)
            {
                gmem.Fallocate(FallocateMode.PunchHole, 3 * Page.Size, Page.Size);
            }
        });

        Assert.All(reports.Where(r => r.Port != 0x90), r => Assert.Equal(0u, r.Value));
        Assert.Equal(faultWholeArea ? 5 : 3, reports.Count);
    }

    private static void AssertPrivateFault(VcpuExit exit, ulong gpa)
    {
        var fault = Assert.IsType<VcpuExit.MemoryFault>(exit);
        Assert.Equal(new Gpa(gpa), fault.Address);
        Assert.Equal((ulong)Page.Size, fault.Size);
        Assert.Equal(VcpuExit.MemoryFault.FlagPrivate, fault.Flags);
        Assert.Equal(Errno.EFAULT, fault.Errno);
    }
}
