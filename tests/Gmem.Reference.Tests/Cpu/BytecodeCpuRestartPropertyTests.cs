// Model-based: restartability. A random program of loads, stores (page-crossing ones included), fills
// and arithmetic over four data pages ends with the same memory, registers and retired count whether
// it runs on clean memory or with memory faults and retries injected on random pages (the "VMM"
// clears each fault when it sees it, as a conversion would).
using FsCheck;
using FsCheck.Fluent;
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class BytecodeCpuRestartPropertyTests
{
    private const int DataPages = 4;

    [Fact]
    public void Run_FaultsAndRetriesInjected_SameResultAsCleanRun()
    {
        Gen<int[]> step = Gen.ArrayOf(Gen.Choose(0, int.MaxValue), 4);
        Prop.ForAll(
            step.ListOf().Select(l => l.Take(40).ToArray()).ToArbitrary(),
            Gen.Choose(0, (1 << (DataPages + 1)) - 1).ToArbitrary(),
            Gen.Choose(0, (1 << (DataPages + 1)) - 1).ToArbitrary(),
            (steps, faultMask, retryMask) =>
            {
                byte[] code = Assemble(steps);
                (byte[] cleanMemory, ulong[] cleanRegisters, long cleanRetired) = Execute(code, 0, 0);
                (byte[] memory, ulong[] registers, long retired) = Execute(code, faultMask, retryMask);
                return cleanMemory.AsSpan().SequenceEqual(memory)
                    && cleanRegisters.AsSpan().SequenceEqual(registers)
                    && cleanRetired == retired;
            })
            .QuickCheckThrowOnFailure();
    }

    // Each step is four random ints: an instruction kind and its operands. Addresses stay inside the
    // data pages (offsets up to DataPages pages minus 8 bytes, so page-crossing accesses happen).
    private static byte[] Assemble(int[][] steps)
    {
        ulong data = CpuHarness.DataBase.Value;
        const int span = (DataPages * Page.Size) - 8;
        var a = new BytecodeAssembler();
        a.MovImmediate(Register.R14, data);
        foreach (int[] s in steps)
        {
            var r = (Register)(1 + (s[1] % 12));
            var q = (Register)(1 + (s[2] % 12));
            int offset = s[3] % span;
            switch (s[0] % 6)
            {
                case 0:
                    a.MovImmediate(r, (ulong)s[2] * 0x9e37_79b9_7f4a_7c15UL);
                    break;
                case 1:
                    a.Arithmetic((Opcode)((int)Opcode.Add + (s[2] % 9)), r, r, q);
                    break;
                case 2:
                    a.Store(1 << (s[2] % 4), Register.R14, offset, r);
                    break;
                case 3:
                    a.Load(1 << (s[2] % 4), r, Register.R14, offset);
                    break;
                case 4:
                    a.AddImmediate(Register.R13, Register.R14, offset)
                        .MovImmediate(Register.R15, (ulong)Math.Min(s[2] % (2 * Page.Size), span - offset))
                        .Fill(Register.R13, Register.R15, (byte)s[1]);
                    break;
                default:
                    a.AddImmediate(Register.R13, Register.R14, offset)
                        .MovImmediate(Register.R15, (ulong)Math.Min(s[2] % (2 * Page.Size), span - offset))
                        .CompareBytes(Register.R13, Register.R15, (byte)s[1], r);
                    break;
            }
        }

        return a.Hlt().Assemble();
    }

    // Bit i of a mask selects data page i; bit DataPages selects the first code page.
    private static (byte[] Memory, ulong[] Registers, long Retired) Execute(byte[] code, int faultMask, int retryMask)
    {
        var bus = new FakeGuestBus(CpuHarness.CodeBase, CpuHarness.MemoryBytes);
        bus.Load(CpuHarness.CodeBase, code);
        for (int i = 0; i <= DataPages; i++)
        {
            ulong gfn = i < DataPages ? CpuHarness.DataBase.Gfn.Value + (ulong)i : CpuHarness.CodeBase.Gfn.Value;
            if ((faultMask & (1 << i)) != 0)
            {
                bus.FaultingPages[gfn] = i % 2 == 0;
            }

            if ((retryMask & (1 << i)) != 0)
            {
                bus.RetryOncePages.Add(gfn);
            }
        }

        var cpu = new BytecodeCpu(bus, CpuHarness.CodeBase);
        for (int exits = 0; ; exits++)
        {
            VcpuExit exit = cpu.Run(1_000_000);
            if (exit is VcpuExit.MemoryFault fault && exits < 100)
            {
                Assert.True(bus.FaultingPages.Remove(fault.Address.Gfn.Value), $"fault at {fault.Address} was not scripted");
                continue;
            }

            Assert.True(exit is VcpuExit.Hlt, $"expected HLT, got {exit}");
            break;
        }

        var registers = new ulong[Instruction.RegisterCount];
        for (int i = 0; i < registers.Length; i++)
        {
            registers[i] = cpu.GetRegister((Register)i);
        }

        return (bus.Memory.ToArray(), registers, cpu.InstructionsRetired);
    }
}
