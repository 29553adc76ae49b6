// Runs a GuestProgram compiled by the bytecode backend on a FakeGuestBus, the way a VMM exit loop
// would: reports go to a GuestReportDecoder, forwarded hypercalls to a handler, memory faults to a handler.
using Gmem.Reference.Cpu;
using Gmem.Vmm.Programs;

namespace Gmem.Reference.Tests.Cpu;

internal sealed class GuestProgramRunner
{
    public GuestProgramRunner(GuestProgram program, Gpa? memoryBase = null, int memoryBytes = 64 * Page.Size)
    {
        Gpa @base = memoryBase ?? new Gpa(0x10_0000);
        Bus = new FakeGuestBus(@base, memoryBytes) { ForwardMapGpaRange = true };
        Compiled = program.Compile(new BytecodeProgramBackend(@base));
        Compiled.CopyTo(Bus.Memory, @base);
        Cpu = new BytecodeCpu(Bus, Compiled.Entry);
    }

    public FakeGuestBus Bus { get; }

    public CompiledGuestProgram Compiled { get; }

    public BytecodeCpu Cpu { get; }

    public GuestReportDecoder Decoder { get; } = new();

    public List<VcpuExit.Hypercall> Hypercalls { get; } = [];

    public List<VcpuExit.MemoryFault> Faults { get; } = [];

    /// <summary>What a forwarded hypercall returns to the guest (default 0 = success).</summary>
    public Func<VcpuExit.Hypercall, long> OnHypercall { get; set; } = _ => 0;

    /// <summary>Handles a memory fault (default: none expected, so the test fails).</summary>
    public Action<VcpuExit.MemoryFault> OnMemoryFault { get; set; } =
        fault => throw new InvalidOperationException($"Unexpected memory fault at {fault.Address}.");

    public IReadOnlyList<GuestReport> Reports => Decoder.Reports;

    /// <summary>Runs until the next HLT (or another exit the loop does not handle), within a step budget.</summary>
    public VcpuExit RunUntilHalt(long maxSteps = 10_000_000)
    {
        while (true)
        {
            long before = Cpu.Steps;
            VcpuExit exit = Cpu.Run(maxSteps);
            maxSteps -= Cpu.Steps - before;
            switch (exit)
            {
                case VcpuExit.Io io when Decoder.TryAccept(io):
                    continue;
                case VcpuExit.Hypercall call:
                    Hypercalls.Add(call);
                    call.Ret = OnHypercall(call);
                    continue;
                case VcpuExit.MemoryFault fault:
                    Faults.Add(fault);
                    OnMemoryFault(fault);
                    continue;
                default:
                    return exit;
            }
        }
    }

    public void RunToEnd()
    {
        VcpuExit exit = RunUntilHalt();
        Assert.True(exit is VcpuExit.Hlt, $"expected the final HLT, got {exit}");
        Assert.True(IsAtFinalHalt, $"halted at {Cpu.InstructionPointer}, not at the end of the program");
    }

    /// <summary>After the final HLT retires, the IP is at the jump back to it (the last instruction).</summary>
    public bool IsAtFinalHalt =>
        Cpu.InstructionPointer == Compiled.Chunks[0].End + unchecked((ulong)-Instruction.Size);

    public Span<byte> Memory(Gpa address, int length) => Bus.Slice(address, length);
}
