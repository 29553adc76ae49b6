using Gmem.Vmm.Programs;

namespace Gmem.Contract.Tests;

/// <summary>
/// Spec §4.6, guest execution, as one contract for both platforms: the guest is a platform-neutral
/// <see cref="GuestProgram"/>, which <see cref="ProgramRunner"/> loads and runs the way the platform's vCPUs need
/// (x86-64 at CPL3 on Kvm, bytecode on Reference); everything the test asserts is what the guest and the host observe.
/// </summary>
public abstract class GuestExecutionContractTests : ContractTestBase
{
    private static readonly Gpa s_fourGiB = new(4UL << 30);

    private VcpuExit Run(IVirtualMachine vm, GuestProgram program, GuestReportDecoder reports, Func<VcpuExit, bool> onExit) =>
        ProgramRunner.Run(Hypervisor, vm, program, reports, onExit);

    [SkippableFact]
    public void Scenario49_GmemOnlySlotAt4GiB_GuestSeesHostBytesAndHostSeesGuestBytes()
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        IGuestMemfd page = Own(vm.CreateGuestMemfd(Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared));
        using (HostMapping before = page.Map(0, Pg))
        {
            before.Write(0, Enumerable.Repeat((byte)0xAA, Pg).ToArray());
        }
        vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, s_fourGiB.Value, Pg, 0, 0, page.Fd));
        var reports = new GuestReportDecoder();

        VcpuExit last = Run(vm, new GuestProgram().Verify(s_fourGiB, Pg, 0xAA).Fill(s_fourGiB, Pg, 0xFF).Report(49), reports, _ => true);

        Assert.IsType<VcpuExit.Hlt>(last);
        Assert.Equal([new GuestReport(GuestReportKind.Value, 49)], reports.Reports);
        byte[] after = new byte[Pg];
        using (HostMapping again = page.Map(0, Pg))
        {
            again.Read(0, after);
        }
        Assert.All(after, b => Assert.Equal(0xFF, b));
    }

    [SkippableFact]
    public void Scenario50_PrivateAccessToPlainSlot_MemoryFaultExitWithPrivateFlag()
    {
        IVirtualMachine probe = NewVm();
        Skip.If((probe.CheckExtension(Capability.VmTypes) & (1L << (int)VmType.SwProtected)) == 0,
            $"Scenario 50 needs a SW_PROTECTED VM; KVM_CAP_VM_TYPES = 0x{probe.CheckExtension(Capability.VmTypes):x} here.");
        IVirtualMachine vm = NewVm(VmType.SwProtected);
        var gpa = new Gpa(0xC000_0000);
        HostMapping backing = Own(Host.MapAnonymous(Pg));
        vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.None, gpa.Value, Pg, backing.Address.Value));
        vm.SetMemoryAttributes(gpa.Value, Pg, MemoryAttributes.Private);

        VcpuExit last = Run(vm, new GuestProgram().Touch(gpa, Pg), new GuestReportDecoder(), exit => exit is not VcpuExit.MemoryFault);

        var fault = Assert.IsType<VcpuExit.MemoryFault>(last);
        Assert.Equal(gpa, fault.Address);
        Assert.Equal((ulong)Pg, fault.Size);
        Assert.Equal(VcpuExit.MemoryFault.FlagPrivate, fault.Flags);
        Assert.Equal(Errno.EFAULT, fault.Errno);
    }
}
