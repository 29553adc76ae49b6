// Model B (AttributeModel.PerFile): the fault path reads private/shared from the guest memory file, and
// shared and private are the same frame (spec §2.18, scenarios 63–64 from the guest's side).
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class InPlaceConversionTests
{
    private const ulong Base = 0x4000_0000;
    private static readonly ReferenceOptions s_perFile = new() { AttributeModel = AttributeModel.PerFile };

    [Fact]
    public void Run_ConvertInPlace_GuestAndHostSeeTheSameBytes()
    {
        using var vm = new GuestVm(VmType.SwProtected, s_perFile);
        using IGuestMemfd gmem = vm.CreateGmem(4 * Page.Size, GuestMemfdFlags.Mmap);
        vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, Base, 4 * Page.Size, 0, 0, gmem.Fd));
        var checker = new InvariantChecker((Vm)vm.Vm);
        // r3 = 1: store r2 at [r1]; r3 = 0: load [r1] into r2; OUT r2; HLT.
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            var read = a.NewLabel();
            var done = a.NewLabel();
            a.BranchIfZero(Register.R3, read).Store(1, Register.R1, 0, Register.R2).Jump(done)
                .Bind(read).Load(1, Register.R2, Register.R1).Bind(done).Out(0x80, Register.R2, 1).Hlt();
        });
        Gpa entry = vcpu.Cpu.InstructionPointer;
        uint Access(bool write, byte value)
        {
            vcpu.Cpu.InstructionPointer = entry;
            vcpu.Cpu.SetRegister(Register.R1, Base);
            vcpu.Cpu.SetRegister(Register.R2, value);
            vcpu.Cpu.SetRegister(Register.R3, write ? 1UL : 0);
            var io = Assert.IsType<VcpuExit.Io>(vcpu.Run());
            Assert.IsType<VcpuExit.Hlt>(vcpu.Run());
            Assert.Empty(checker.Check());
            return io.Value;
        }

        Assert.Equal(0, vm.Vm.CheckExtension(Capability.MemoryAttributes));
        Assert.Equal(Errno.ENOTTY, Assert.Throws<GmemException>(() => vm.SetPrivate(Base, Page.Size, true)).Errno);
        Access(write: true, 0x42);                                        // private (the file's default)
        using HostMapping map = gmem.Map(0, 4 * Page.Size);
        Assert.Throws<HostAccessFault>(() => map.Read(0, new byte[1]));

        gmem.SetMemoryAttributes(0, Page.Size, MemoryAttributes.None);     // to shared, in place
        byte[] b = new byte[1];
        map.Read(0, b);
        Assert.Equal(0x42, b[0]);
        map.Write(0, [0x43]);
        Assert.Equal(0x43u, Access(write: false, 0));                     // the guest's shared access, same frame

        gmem.SetMemoryAttributes(0, Page.Size, MemoryAttributes.Private);  // back to private
        Assert.Throws<HostAccessFault>(() => map.Read(0, b));
        Assert.Equal(0x43u, Access(write: false, 0));
    }

    [Fact]
    public void Run_GuestPicksPrivateAliasOfSharedPage_MemoryFaultThenConvertedByTheFile()
    {
        using var vm = new GuestVm(ReferenceVmTypes.GpaSharedBit, s_perFile);
        using IGuestMemfd gmem = vm.CreateGmem(2 * Page.Size, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        vm.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, Base, 2 * Page.Size, 0, 0, gmem.Fd));
        using (HostMapping map = gmem.Map(0, Page.Size))
        {
            map.Write(0, [0x77]);
        }
        Vcpu vcpu = vm.AddVcpu(0, a => a.MovImmediate(Register.R1, Base).Load(1, Register.R2, Register.R1).Out(0x80, Register.R2, 1).Hlt());

        var fault = Assert.IsType<VcpuExit.MemoryFault>(vcpu.Run());
        Assert.True(fault.IsPrivate);
        Assert.Equal(new Gpa(Base), fault.Address);
        gmem.SetMemoryAttributes(0, Page.Size, MemoryAttributes.Private);

        Assert.Equal(0x77u, Assert.IsType<VcpuExit.Io>(vcpu.Run()).Value);
        Assert.IsType<VcpuExit.Hlt>(vcpu.Run());
        Assert.Empty(new InvariantChecker((Vm)vm.Vm).Check());
    }
}
