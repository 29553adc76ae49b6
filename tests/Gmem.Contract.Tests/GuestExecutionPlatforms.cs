using Gmem.Kvm;
using Gmem.Reference;
using Gmem.Reference.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.Programs;
using Gmem.Vmm.X86;

namespace Gmem.Contract.Tests;

/// <summary>Guest execution on the real kernel: x86-64 at CPL3, so the guest reaches guest_memfd directly (spec §7).</summary>
public sealed class KvmGuestExecutionContractTests : GuestExecutionContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();

    protected override VcpuExit Run(IVirtualMachine vm, GuestProgram program, GuestReportDecoder reports, Func<VcpuExit, bool> onExit)
    {
        var options = new X86GuestOptions
        {
            Privilege = X86PrivilegeLevel.User,
            FirstSlot = 2,
            Layout = new X86GuestLayout { IdentityMapBytes = 5UL << 30 },
        };
        var backend = new X86ProgramBackend(options.Layout.Code, X86ConversionCall.PortIo);
        X86Guest guest = Own(X86Guest.Create((KvmVm)vm, options, a => backend.Emit(a, program)));
        return Drive(guest.Vcpu, reports, onExit);
    }
}

/// <summary>Guest execution on the Reference platform: the bytecode vCPU, its code in a plain slot of its own.</summary>
public sealed class ReferenceGuestExecutionContractTests : GuestExecutionContractTests
{
    private static readonly Gpa s_code = new(0x10000);

    protected override IHypervisor CreateHypervisor() => new ReferenceHypervisor();

    protected override VcpuExit Run(IVirtualMachine vm, GuestProgram program, GuestReportDecoder reports, Func<VcpuExit, bool> onExit)
    {
        CompiledGuestProgram compiled = program.Compile(new BytecodeProgramBackend(s_code));
        HostMapping code = Own(Host.MapAnonymous(0x10000));
        foreach (GuestProgramChunk chunk in compiled.Chunks)
        {
            code.Write((long)(chunk.Address - s_code), chunk.Bytes.Span);
        }
        vm.SetUserMemoryRegion(new UserMemoryRegion(2, MemslotFlags.None, s_code.Value, 0x10000, code.Address.Value));
        var vcpu = (Vcpu)Own(vm.CreateVcpu(0));
        vcpu.Cpu.InstructionPointer = compiled.Entry;
        return Drive(vcpu, reports, onExit);
    }
}
