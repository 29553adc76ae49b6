// A bytecode CPU on a FakeGuestBus: 16 pages of memory at 0x10000, code at the start, data from 0x18000.
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

internal sealed class CpuHarness
{
    public static readonly Gpa CodeBase = new(0x10000);
    public static readonly Gpa DataBase = new(0x18000);
    public const int MemoryBytes = 16 * Page.Size;

    private CpuHarness(byte[] code)
    {
        Bus = new FakeGuestBus(CodeBase, MemoryBytes);
        Bus.Load(CodeBase, code);
        Cpu = new BytecodeCpu(Bus, CodeBase);
        CodeLength = code.Length;
    }

    public FakeGuestBus Bus { get; }

    public BytecodeCpu Cpu { get; }

    public int CodeLength { get; }

    public static CpuHarness Create(Action<BytecodeAssembler> program)
    {
        var assembler = new BytecodeAssembler();
        program(assembler);
        return new CpuHarness(assembler.Assemble());
    }

    public ulong this[Register register] => Cpu.GetRegister(register);

    /// <summary>Runs with a bounded budget so a broken program cannot hang the test.</summary>
    public VcpuExit Run(long maxSteps = 1_000_000) => Cpu.Run(maxSteps);

    /// <summary>Runs and asserts the program ended in HLT.</summary>
    public void RunToHalt(long maxSteps = 1_000_000)
    {
        VcpuExit exit = Run(maxSteps);
        Assert.True(exit is VcpuExit.Hlt, $"expected HLT, got {exit}");
    }
}
