using BenchmarkDotNet.Attributes;
using Gmem.Reference;
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Benchmarks;

/// <summary>
/// Guest first touch of 256 MiB of private memory through the Reference bytecode vCPU: per 4 KiB page a
/// stage-2 miss, the gmem lookup (allocate + zero), the install, then the store. Compare with host
/// memset bandwidth and the Kvm guest first touch measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class ReferenceFirstTouchBenchmarks
{
    private const long Size = 256L << 20;
    private const ulong Base = 0x4000_0000;
    private const ulong CodeGpa = 0x10_0000;
    private ReferenceHypervisor? _hypervisor;
    private IVirtualMachine? _vm;
    private IGuestMemfd? _gmem;
    private HostMapping? _code;
    private HostMapping? _backing;
    private Vcpu? _vcpu;

    /// <summary>A fresh VM per invocation (the memory must be untouched).</summary>
    [IterationSetup]
    public void Setup()
    {
        _hypervisor = new ReferenceHypervisor(new ReferenceOptions { MemoryBytes = 1L << 30 });
        _vm = _hypervisor.CreateVm(VmType.SwProtected);
        _code = _hypervisor.Host.MapAnonymous(1 << 20);
        _vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.None, CodeGpa, 1 << 20, _code.Address.Value));
        _gmem = _vm.CreateGuestMemfd(Size, GuestMemfdFlags.None);
        _backing = _hypervisor.Host.MapAnonymous(Size);
        _vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, Base, (ulong)Size, _backing.Address.Value, 0, _gmem.Fd));
        _vm.SetMemoryAttributes(Base, (ulong)Size, MemoryAttributes.Private);
        var code = new BytecodeAssembler();
        BytecodeLabel loop = code.NewLabel();
        code.MovImmediate(Register.R1, Base).MovImmediate(Register.R3, (ulong)Size / Page.Size)
            .Bind(loop).Store(1, Register.R1, 0, Register.R3).AddImmediate(Register.R1, Register.R1, Page.Size)
            .Loop(Register.R3, loop).Hlt();
        _code.Write(0, code.Assemble());
        _vcpu = (Vcpu)_vm.CreateVcpu(0);
        _vcpu.Cpu.InstructionPointer = new Gpa(CodeGpa);
    }

    /// <summary>Touches every page once (65536 faults).</summary>
    [Benchmark]
    public VcpuExit FirstTouch256MiB() => _vcpu!.Run();

    /// <summary>Tears the VM down.</summary>
    [IterationCleanup]
    public void Cleanup()
    {
        _vcpu?.Dispose();
        _backing?.Dispose();
        _gmem?.Dispose();
        _code?.Dispose();
        _vm?.Dispose();
        _hypervisor?.Dispose();
    }
}
