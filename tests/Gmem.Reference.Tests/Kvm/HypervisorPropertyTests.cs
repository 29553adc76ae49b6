// Model-based: random sequences of attribute changes, punches, slot re-creation, host writes and
// guest reads/writes on a SW_PROTECTED VM, against a per-page model of what each side holds, with the
// invariant checker after every step.
using FsCheck;
using FsCheck.Fluent;
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class HypervisorPropertyTests
{
    private const ulong Base = 0x4000_0000;
    private const int Pages = 16;

    private enum Kind
    {
        SetPrivate,
        SetShared,
        Punch,
        GuestWrite,
        GuestRead,
        HostWrite,
        RecreateSlot,
    }

    private readonly record struct Op(Kind Kind, int Page, int Count, byte Value);

    [Fact]
    public void RandomOperations_MatchPerPageModel_InvariantsHold()
    {
        Gen<Op> op = from kind in Gen.Elements(Enum.GetValues<Kind>())
                     from page in Gen.Choose(0, Pages - 1)
                     from count in Gen.Choose(1, 4)
                     from value in Gen.Choose(1, 255)
                     select new Op(kind, page, Math.Min(count, Pages - page), (byte)value);
        Prop.ForAll(op.ArrayOf().Select(a => a.Take(40).ToArray()).ToArbitrary(), Run)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    private static bool Run(Op[] ops)
    {
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(Pages * Page.Size);
        HostMapping backing = vm.AddGmemSlot(1, Base, gmem, 0, Pages * Page.Size);
        var slot = new UserMemoryRegion(1, MemslotFlags.GuestMemfd, Base, Pages * Page.Size, backing.Address.Value, 0, gmem.Fd);
        // r3 = 1: store r2 at [r1]; r3 = 0: load [r1] into r2; then OUT r2; HLT.
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            var read = a.NewLabel();
            var done = a.NewLabel();
            a.BranchIfZero(Register.R3, read).Store(1, Register.R1, 0, Register.R2).Jump(done)
                .Bind(read).Load(1, Register.R2, Register.R1).Bind(done).Out(0x80, Register.R2, 1).Hlt();
        });
        Gpa entry = vcpu.Cpu.InstructionPointer;
        var checker = new InvariantChecker((Vm)vm.Vm);
        bool[] isPrivate = new bool[Pages];
        byte[] privateValue = new byte[Pages];
        byte[] sharedValue = new byte[Pages];

        foreach (Op o in ops)
        {
            switch (o.Kind)
            {
                case Kind.SetPrivate or Kind.SetShared:
                    vm.SetPrivate(Base + (ulong)o.Page * Page.Size, (ulong)o.Count * Page.Size, o.Kind == Kind.SetPrivate);
                    Array.Fill(isPrivate, o.Kind == Kind.SetPrivate, o.Page, o.Count);
                    break;
                case Kind.Punch:
                    gmem.Fallocate(FallocateMode.PunchHole, o.Page * Page.Size, o.Count * Page.Size);
                    Array.Fill(privateValue, (byte)0, o.Page, o.Count);
                    break;
                case Kind.HostWrite:
                    backing.Write(o.Page * Page.Size, [o.Value]);
                    sharedValue[o.Page] = o.Value;
                    break;
                case Kind.RecreateSlot:
                    vm.Vm.SetUserMemoryRegion(slot with { MemorySize = 0 });
                    vm.Vm.SetUserMemoryRegion(slot);
                    break;
                default:
                    bool write = o.Kind == Kind.GuestWrite;
                    vcpu.Cpu.InstructionPointer = entry;
                    vcpu.Cpu.SetRegister(Register.R1, Base + (ulong)o.Page * Page.Size);
                    vcpu.Cpu.SetRegister(Register.R2, o.Value);
                    vcpu.Cpu.SetRegister(Register.R3, write ? 1UL : 0);
                    if (vcpu.Run() is not VcpuExit.Io io || vcpu.Run() is not VcpuExit.Hlt)
                    {
                        return false;
                    }
                    byte[] side = isPrivate[o.Page] ? privateValue : sharedValue;
                    if (write)
                    {
                        side[o.Page] = o.Value;
                    }
                    else if (io.Value != side[o.Page])
                    {
                        return false;
                    }
                    break;
            }
            if (checker.Check().Count != 0)
            {
                return false;
            }
        }
        return true;
    }
}
