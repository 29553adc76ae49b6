// A Reference VM for guest-execution tests: a 1 MiB plain code slot (slot 0 at 1 MiB, anonymous
// host memory), vCPUs running bytecode placed there, gmem slots with anonymous shared backing, and
// a run loop that services MAP_GPA_RANGE hypercalls and collects OUT reports.
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

internal sealed class GuestVm : IDisposable
{
    public const ulong CodeGpa = 0x10_0000;
    public const long CodeBytes = 1 << 20;
    public const ulong HypercallPrivate = 1 << 4;

    private readonly object _codeLock = new();
    private int _nextCode;

    public GuestVm(VmType type, ReferenceOptions? options = null)
    {
        Hypervisor = new ReferenceHypervisor(options);
        Vm = Hypervisor.CreateVm(type);
        Code = Hypervisor.Host.MapAnonymous(CodeBytes);
        Vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.None, CodeGpa, CodeBytes, Code.Address.Value));
    }

    public ReferenceHypervisor Hypervisor { get; }

    public IVirtualMachine Vm { get; }

    internal VmCore Core => ((Vm)Vm).Core;

    public HostMapping Code { get; }

    public bool UsesSharedBit => Vm.Type == ReferenceVmTypes.GpaSharedBit;

    /// <summary>Creates vCPU <paramref name="id"/> running <paramref name="program"/>.</summary>
    public Vcpu AddVcpu(int id, Action<BytecodeAssembler> program)
    {
        var assembler = new BytecodeAssembler();
        program(assembler);
        byte[] code = assembler.Assemble();
        int offset;
        lock (_codeLock)
        {
            offset = _nextCode;
            _nextCode += (code.Length + Page.Size - 1) & ~(Page.Size - 1);
        }
        Code.Write(offset, code);
        var vcpu = (Vcpu)Vm.CreateVcpu(id);
        ulong ip = CodeGpa + (ulong)offset;
        vcpu.Cpu.InstructionPointer = new Gpa(UsesSharedBit ? ip | ReferenceVmTypes.SharedGpaMask : ip);
        return vcpu;
    }

    public IGuestMemfd CreateGmem(long size, GuestMemfdFlags flags = GuestMemfdFlags.None) => Vm.CreateGuestMemfd(size, flags);

    /// <summary>A gmem slot with an anonymous shared backing of the same size; returns the backing.</summary>
    public HostMapping AddGmemSlot(uint slot, ulong gpa, IGuestMemfd gmem, long offset, long size)
    {
        HostMapping backing = Hypervisor.Host.MapAnonymous(size);
        Vm.SetUserMemoryRegion(new UserMemoryRegion(slot, MemslotFlags.GuestMemfd, gpa, (ulong)size, backing.Address.Value, offset, gmem.Fd));
        return backing;
    }

    public void SetPrivate(ulong gpa, ulong size, bool isPrivate) =>
        Vm.SetMemoryAttributes(gpa, size, isPrivate ? MemoryAttributes.Private : MemoryAttributes.None);

    /// <summary>
    /// Runs to HLT: MAP_GPA_RANGE exits set the attributes (then <paramref name="onConvert"/>), OUT
    /// exits are recorded (and given to <paramref name="onOut"/>); any other exit fails the test.
    /// </summary>
    public List<(ushort Port, uint Value)> RunToHalt(Vcpu vcpu, Action<ushort, uint>? onOut = null,
        Action<ulong, ulong, bool>? onConvert = null, int maxExits = 100_000)
    {
        var reports = new List<(ushort, uint)>();
        for (int i = 0; i < maxExits; i++)
        {
            VcpuExit exit = vcpu.Run();
            switch (exit)
            {
                case VcpuExit.Hlt:
                    return reports;
                case VcpuExit.Hypercall { Nr: VcpuExit.Hypercall.MapGpaRange } call:
                    bool toPrivate = (call.Args[2] & HypercallPrivate) != 0;
                    SetPrivate(call.Args[0], call.Args[1] << Page.Shift, toPrivate);
                    onConvert?.Invoke(call.Args[0], call.Args[1] << Page.Shift, toPrivate);
                    call.Ret = 0;
                    break;
                case VcpuExit.Io { Direction: IoDirection.Out } io:
                    reports.Add((io.Port, io.Value));
                    onOut?.Invoke(io.Port, io.Value);
                    break;
                default:
                    Assert.Fail($"Unexpected exit {exit} from vCPU {vcpu.Id} at {vcpu.Cpu.InstructionPointer}.");
                    break;
            }
        }
        Assert.Fail($"vCPU {vcpu.Id} did not halt within {maxExits} exits.");
        return reports;
    }

    public void Dispose()
    {
        Vm.Dispose();
        Hypervisor.Dispose();
    }
}
