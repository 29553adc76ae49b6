using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class BytecodeCpuAllocationTests
{
    [Fact]
    public void Run_LoopOfLoadsStoresArithmeticAndFill_AllocatesNothing()
    {
        ulong data = CpuHarness.DataBase.Value;
        var h = CpuHarness.Create(a =>
        {
            BytecodeLabel top = a.NewLabel();
            a.MovImmediate(Register.R1, 100_000).MovImmediate(Register.R2, data)
                .Bind(top)
                .Load(8, Register.R3, Register.R2, 8).AddImmediate(Register.R3, Register.R3, 1).Store(8, Register.R2, 8, Register.R3)
                .Mov(Register.R4, Register.R2).MovImmediate(Register.R5, 64).Fill(Register.R4, Register.R5, 0x3c)
                .MovImmediate(Register.R4, data + 128).MovImmediate(Register.R5, 64).CompareBytes(Register.R4, Register.R5, 0, Register.R6)
                .Branch(BranchCondition.NotZero, Register.R6, Register.R0, top)
                .Loop(Register.R1, top).Hlt();
        });
        // Warm up with a whole run, so tiered compilation and on-stack replacement of the hot loops (which the
        // runtime may charge to this thread) happen before the measured run, not inside it.
        Assert.IsType<VcpuExit.Hlt>(h.Cpu.Run());
        h.Cpu.InstructionPointer = CpuHarness.CodeBase;
        long retiredBefore = h.Cpu.InstructionsRetired;

        long before = GC.GetAllocatedBytesForCurrentThread();
        VcpuExit exit = h.Cpu.Run();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsType<VcpuExit.Hlt>(exit);
        Assert.True(h.Cpu.InstructionsRetired - retiredBefore > 1_000_000, "the loop ran");
        Assert.Equal(0L, allocated);
    }
}
