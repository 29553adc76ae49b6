// Runs a GuestProgram on a VM the caller set up (memslots, attributes), the way that platform's vCPUs need:
// x86-64 at CPL3 on Kvm (so the guest reaches guest_memfd directly, spec §7), bytecode on Reference. The
// program's code lives in memory of its own (memslots 2 and up, below 16 MiB), which is released after the
// run; everything else belongs to the caller. Used by the conformance suite and the contract tests.
using Gmem.Kvm;
using Gmem.Reference.Kvm;
using Gmem.Vmm.X86;

namespace Gmem.Vmm.Programs;

/// <summary>Runs a guest program on a prepared VM of either platform (see file header).</summary>
public static class ProgramRunner
{
    private static readonly Gpa s_bytecode = new(0x10000);

    /// <summary>
    /// Runs <paramref name="program"/> on one new vCPU of <paramref name="vm"/> until it halts, an exit other than
    /// port I/O arrives, or <paramref name="onExit"/> returns false; reports go to <paramref name="reports"/>.
    /// Returns the last exit.
    /// </summary>
    /// <remarks>
    /// vCPU ids are never reused (as in KVM): a second run on the same VM passes another <paramref name="vcpuId"/>. On Kvm
    /// the guest's own memory stays bound at GPA 0 after the run, so a VM runs one program there.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="vm"/> is of neither platform.</exception>
    public static VcpuExit Run(IHypervisor hypervisor, IVirtualMachine vm, GuestProgram program, GuestReportDecoder reports, Func<VcpuExit, bool> onExit,
        int vcpuId = 0)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        ArgumentNullException.ThrowIfNull(program);
        switch (vm)
        {
            case KvmVm kvm:
                var options = new X86GuestOptions
                {
                    Privilege = X86PrivilegeLevel.User,
                    FirstSlot = 2,
                    VcpuId = vcpuId,
                    Layout = new X86GuestLayout { IdentityMapBytes = 8UL << 30 },
                };
                var backend = new X86ProgramBackend(options.Layout.Code, X86ConversionCall.PortIo);
                using (X86Guest guest = X86Guest.Create(kvm, options, a => backend.Emit(a, program)))
                {
                    return Drive(guest.Vcpu, reports, onExit);
                }
            case not null when hypervisor.Name == "reference":
                CompiledGuestProgram compiled = program.Compile(new BytecodeProgramBackend(s_bytecode));
                using (HostMapping code = hypervisor.Host.MapAnonymous(0x10000))
                {
                    foreach (GuestProgramChunk chunk in compiled.Chunks)
                    {
                        code.Write((long)(chunk.Address - s_bytecode), chunk.Bytes.Span);
                    }
                    vm.SetUserMemoryRegion(new UserMemoryRegion(2, MemslotFlags.None, s_bytecode.Value, 0x10000, code.Address.Value));
                    using var vcpu = (Vcpu)vm.CreateVcpu(vcpuId);
                    vcpu.Cpu.InstructionPointer = compiled.Entry;
                    try
                    {
                        return Drive(vcpu, reports, onExit);
                    }
                    finally
                    {
                        vm.SetUserMemoryRegion(new UserMemoryRegion(2, MemslotFlags.None, 0, 0, 0));
                    }
                }
            default:
                throw new ArgumentException("Not a VM of the Kvm or Reference platform.", nameof(vm));
        }
    }

    /// <summary>Runs <paramref name="vcpu"/>: reports and interruptions go on; HLT, a non-I/O exit, or a refusal of <paramref name="onExit"/> ends it.</summary>
    public static VcpuExit Drive(IVcpu vcpu, GuestReportDecoder reports, Func<VcpuExit, bool> onExit)
    {
        ArgumentNullException.ThrowIfNull(vcpu);
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(onExit);
        while (true)
        {
            VcpuExit exit = vcpu.Run();
            if (exit is VcpuExit.Interrupted || reports.TryAccept(exit))
            {
                continue;
            }
            if (exit is VcpuExit.Hlt || !onExit(exit) || exit is not VcpuExit.Io)
            {
                return exit;
            }
        }
    }
}
