using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Tests.X86;

public class X86GuestTests
{
    private const ushort Port = 0x10;

    // OUT eax to Port, eax counting 0, 1, 2, … for count iterations, then the exit.
    internal static Action<Assembler> OutLoop(uint count) => a =>
    {
        Label loop = a.CreateLabel();
        a.xor(eax, eax);
        a.mov(ecx, count);
        a.mov(edx, (uint)Port);
        a.Label(ref loop);
        a.@out(dx, eax);
        a.inc(eax);
        a.dec(ecx);
        a.jnz(loop);
        a.hlt();
    };

    [KvmFact]
    public void RunToHlt_100000PortIoExitsAtCpl0_EveryValueInOrderThenHlt()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        using X86Guest guest = X86Guest.Create(vm, new X86GuestOptions(), OutLoop(100_000));

        uint expected = 0;
        long wrong = 0;
        X86RunResult result = guest.RunToHlt(io =>
        {
            if (io.Direction != IoDirection.Out || io.Port != Port || io.Size != 4 || io.Value != expected)
            {
                wrong++;
            }
            expected++;
            return true;
        });

        Assert.Equal(X86RunOutcome.Halted, result.Outcome);
        Assert.Equal(100_000, result.IoExits);
        Assert.Equal(0, wrong);
        Assert.Equal(guest.Image.Layout.Code.Value + (ulong)guest.Image.Code.Length, guest.Vcpu.GetRegisters().Rip);   // just past the HLT
    }

    [KvmFact]
    public void RunToHlt_UserGuestPortIo_ReachesKvmThroughIoBitmapThenHltHaltsThroughGpHandler()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        var options = new X86GuestOptions { Privilege = X86PrivilegeLevel.User };
        using X86Guest guest = X86Guest.Create(vm, options, OutLoop(20));

        uint expected = 0;
        X86RunResult result = guest.RunToHlt(io => io.Port == Port && io.Value == expected++);

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(20, result.IoExits);
        ulong rip = guest.Vcpu.GetRegisters().Rip;
        Assert.True(rip > guest.Image.ExitHandler && rip < guest.Image.FaultHandlers[0], $"halted at 0x{rip:x}, not in the #GP handler");
        Assert.Equal(0, guest.Vcpu.GetSpecialRegisters().Cs.Dpl);
    }

    [KvmFact]
    public void RunToHlt_InvalidOpcode_ReportsVector6()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        using X86Guest guest = X86Guest.Create(vm, new X86GuestOptions(), a => a.ud2());

        X86RunResult result = guest.RunToHlt(_ => true);

        Assert.Equal(X86RunOutcome.Faulted, result.Outcome);
        Assert.Equal(6, result.FaultVector);
    }
}
