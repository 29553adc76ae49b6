// One test (or theory) per instruction of the ISA, on flat memory without faults.
using System.Buffers.Binary;
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class BytecodeCpuInstructionTests
{
    private static readonly ulong s_data = CpuHarness.DataBase.Value;

    [Fact]
    public void Hlt_Run_ExitsAndNextRunContinuesAfterIt()
    {
        var h = CpuHarness.Create(a => a.Hlt().MovImmediate(Register.R1, 7).Hlt());

        h.RunToHalt();
        Assert.Equal(CpuHarness.CodeBase + Instruction.Size, h.Cpu.InstructionPointer);
        Assert.Equal(0UL, h[Register.R1]);
        h.RunToHalt();
        Assert.Equal(7UL, h[Register.R1]);
        Assert.Equal(3, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void MovImmediateAndMov_CopyValues()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R15, 0xfedc_ba98_7654_3210).Mov(Register.R2, Register.R15).Nop().Hlt());

        h.RunToHalt();

        Assert.Equal(0xfedc_ba98_7654_3210UL, h[Register.R2]);
        Assert.Equal(0xfedc_ba98_7654_3210UL, h[Register.R15]);
    }

    [Theory]
    [InlineData(1, 0xf1UL)]
    [InlineData(2, 0xf2f1UL)]
    [InlineData(4, 0xf4f3f2f1UL)]
    [InlineData(8, 0xf8f7f6f5f4f3f2f1UL)]
    public void Load_Size_ZeroExtendsLittleEndian(int size, ulong expected)
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data - 8).MovImmediate(Register.R2, ulong.MaxValue)
            .Load(size, Register.R2, Register.R1, 8).Hlt());
        h.Bus.Load(CpuHarness.DataBase, [0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8]);

        h.RunToHalt();

        Assert.Equal(expected, h[Register.R2]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Store_Size_WritesLowBytesOnly(int size)
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R3, 0x1122_3344_5566_7788)
            .Store(size, Register.R1, 16, Register.R3).Hlt());
        h.Bus.Slice(CpuHarness.DataBase + 16, 9).Fill(0xee);

        h.RunToHalt();

        var expected = new byte[9];
        expected.AsSpan().Fill(0xee);
        BinaryPrimitives.WriteUInt64LittleEndian(expected, 0x1122_3344_5566_7788);
        expected.AsSpan(size).Fill(0xee);
        Assert.Equal(expected, h.Bus.Slice(CpuHarness.DataBase + 16, 9).ToArray());
    }

    [Fact]
    public void LoadAndStore_CrossingAPage_SplitIntoTwoAccesses()
    {
        ulong address = s_data + Page.Size - 3;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, address).MovImmediate(Register.R2, 0x0807_0605_0403_0201)
            .Store(8, Register.R1, 0, Register.R2).Load(8, Register.R3, Register.R1).Hlt());

        h.RunToHalt();

        Assert.Equal(0x0807_0605_0403_0201UL, h[Register.R3]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, h.Bus.Slice(new Gpa(address), 8).ToArray());
        Assert.Equal(2, h.Bus.Writes);
        Assert.Equal(2, h.Bus.Reads);
    }

    [Theory]
    [InlineData(Opcode.Add, 5UL, 7UL, 12UL)]
    [InlineData(Opcode.Add, ulong.MaxValue, 2UL, 1UL)]
    [InlineData(Opcode.Sub, 5UL, 7UL, ulong.MaxValue - 1)]
    [InlineData(Opcode.And, 0b1100UL, 0b1010UL, 0b1000UL)]
    [InlineData(Opcode.Or, 0b1100UL, 0b1010UL, 0b1110UL)]
    [InlineData(Opcode.Xor, 0b1100UL, 0b1010UL, 0b0110UL)]
    [InlineData(Opcode.Shl, 1UL, 65UL, 2UL)]
    [InlineData(Opcode.Shr, 0x8000_0000_0000_0000UL, 63UL, 1UL)]
    [InlineData(Opcode.Sar, 0x8000_0000_0000_0000UL, 63UL, ulong.MaxValue)]
    [InlineData(Opcode.Mul, 0x1_0000_0001UL, 0x1_0000_0001UL, 0x2_0000_0001UL)]
    public void Arithmetic_RegisterAndImmediateForms_Agree(Opcode operation, ulong left, ulong right, ulong expected)
    {
        var immediate = (Opcode)((int)operation - (int)Opcode.Add + (int)Opcode.AddImmediate);
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, left).MovImmediate(Register.R2, right)
            .Arithmetic(operation, Register.R3, Register.R1, Register.R2)
            .ArithmeticImmediate(immediate, Register.R4, Register.R1, (long)right).Hlt());

        h.RunToHalt();

        Assert.Equal(expected, h[Register.R3]);
        Assert.Equal(expected, h[Register.R4]);
    }

    [Theory]
    [InlineData(BranchCondition.Always, 1UL, 2UL, true)]
    [InlineData(BranchCondition.Equal, 3UL, 3UL, true)]
    [InlineData(BranchCondition.Equal, 3UL, 4UL, false)]
    [InlineData(BranchCondition.NotEqual, 3UL, 4UL, true)]
    [InlineData(BranchCondition.NotEqual, 4UL, 4UL, false)]
    [InlineData(BranchCondition.Below, 1UL, ulong.MaxValue, true)]
    [InlineData(BranchCondition.Below, ulong.MaxValue, 1UL, false)]
    [InlineData(BranchCondition.AboveOrEqual, 5UL, 5UL, true)]
    [InlineData(BranchCondition.AboveOrEqual, 4UL, 5UL, false)]
    [InlineData(BranchCondition.Less, ulong.MaxValue, 1UL, true)]
    [InlineData(BranchCondition.Less, 1UL, ulong.MaxValue, false)]
    [InlineData(BranchCondition.GreaterOrEqual, 1UL, ulong.MaxValue, true)]
    [InlineData(BranchCondition.GreaterOrEqual, ulong.MaxValue, 0UL, false)]
    [InlineData(BranchCondition.Zero, 0UL, 9UL, true)]
    [InlineData(BranchCondition.Zero, 1UL, 0UL, false)]
    [InlineData(BranchCondition.NotZero, 1UL, 0UL, true)]
    [InlineData(BranchCondition.NotZero, 0UL, 9UL, false)]
    public void Branch_Condition_TakenExactlyWhenItHolds(BranchCondition condition, ulong a, ulong b, bool taken)
    {
        var h = CpuHarness.Create(asm =>
        {
            BytecodeLabel target = asm.NewLabel();
            asm.MovImmediate(Register.R1, a).MovImmediate(Register.R2, b)
                .Branch(condition, Register.R1, Register.R2, target)
                .MovImmediate(Register.R5, 1).Hlt()
                .Bind(target).MovImmediate(Register.R5, 2).Hlt();
        });

        h.RunToHalt();

        Assert.Equal(taken ? 2UL : 1UL, h[Register.R5]);
    }

    [Fact]
    public void Loop_Counter_RunsBodyThatManyTimes()
    {
        var h = CpuHarness.Create(a =>
        {
            BytecodeLabel top = a.NewLabel();
            a.MovImmediate(Register.R1, 10).Bind(top).AddImmediate(Register.R2, Register.R2, 3).Loop(Register.R1, top).Hlt();
        });

        h.RunToHalt();

        Assert.Equal(30UL, h[Register.R2]);
        Assert.Equal(0UL, h[Register.R1]);
        Assert.Equal(1 + 20 + 1, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Fill_SeveralPages_WritesEveryByteAndAdvancesRegisters()
    {
        ulong start = s_data + 100;
        const int length = 2 * Page.Size + 50;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, start).MovImmediate(Register.R2, length)
            .Fill(Register.R1, Register.R2, 0x5a).Hlt());

        h.RunToHalt();

        Assert.Equal(-1, h.Bus.Slice(new Gpa(start), length).IndexOfAnyExcept((byte)0x5a));
        Assert.Equal(0, h.Bus.Slice(new Gpa(start - 1), 1)[0]);
        Assert.Equal(0, h.Bus.Slice(new Gpa(start + length), 1)[0]);
        Assert.Equal(start + length, h[Register.R1]);
        Assert.Equal(0UL, h[Register.R2]);
        Assert.Equal(3, h.Bus.Writes);
    }

    [Fact]
    public void Fill_ZeroLength_RetiresWithoutAccess()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).Fill(Register.R1, Register.R2, 1).Hlt());

        h.RunToHalt();

        Assert.Equal(0, h.Bus.Writes);
    }

    [Fact]
    public void CompareBytes_AllEqual_ResultZeroAndRegistersAtEnd()
    {
        const int length = Page.Size + 10;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, length)
            .MovImmediate(Register.R3, 99).CompareBytes(Register.R1, Register.R2, 0x77, Register.R3).Hlt());
        h.Bus.Slice(CpuHarness.DataBase, length).Fill(0x77);

        h.RunToHalt();

        Assert.Equal(0UL, h[Register.R3]);
        Assert.Equal(s_data + length, h[Register.R1]);
        Assert.Equal(0UL, h[Register.R2]);
    }

    [Fact]
    public void CompareBytes_Mismatch_ResultOneAndAddressOfFirstMismatch()
    {
        const int length = 3 * Page.Size;
        int bad = Page.Size + 123;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, length)
            .CompareBytes(Register.R1, Register.R2, 0x77, Register.R3).Hlt());
        h.Bus.Slice(CpuHarness.DataBase, length).Fill(0x77);
        h.Bus.Slice(CpuHarness.DataBase + (ulong)bad, 1)[0] = 0x78;
        h.Bus.Slice(CpuHarness.DataBase + (ulong)bad + 5, 1)[0] = 0x79;

        h.RunToHalt();

        Assert.Equal(1UL, h[Register.R3]);
        Assert.Equal(s_data + (ulong)bad, h[Register.R1]);
        Assert.Equal((ulong)(length - bad), h[Register.R2]);
    }

    [Theory]
    [InlineData(1, new byte[] { 0x44 })]
    [InlineData(2, new byte[] { 0x44, 0x33 })]
    [InlineData(4, new byte[] { 0x44, 0x33, 0x22, 0x11 })]
    public void Out_Size_ExitsWithLowBytesAndRetires(int size, byte[] expected)
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R4, 0x5566_7788_1122_3344).Out(0x3f8, Register.R4, size).Hlt());

        VcpuExit exit = h.Run();

        var io = Assert.IsType<VcpuExit.Io>(exit);
        Assert.Equal(IoDirection.Out, io.Direction);
        Assert.Equal((ushort)0x3f8, io.Port);
        Assert.Equal(size, io.Size);
        Assert.Equal(1u, io.Count);
        Assert.Equal(expected, io.Data);
        Assert.Equal(2, h.Cpu.InstructionsRetired);
        h.RunToHalt();
    }

    [Fact]
    public void In_HandlerData_LandsInRegisterOnNextRun()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R9, ulong.MaxValue).In(Register.R9, 0x60, 2).Hlt());

        var io = Assert.IsType<VcpuExit.Io>(h.Run());
        Assert.Equal(IoDirection.In, io.Direction);
        Assert.True(h.Cpu.HasPendingCompletion, "an IN waits for its data");
        io.Value = 0xbeef;
        h.RunToHalt();

        Assert.Equal(0xbeefUL, h[Register.R9]);
        Assert.False(h.Cpu.HasPendingCompletion);
    }

    [Fact]
    public void OutAndIn_PortHandledByBus_CompleteWithoutExit()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, 0x1234).Out(0x70, Register.R1, 4).In(Register.R2, 0x70, 4).Hlt());
        h.Bus.InBusPorts[0x70] = 0;

        h.RunToHalt();

        Assert.Equal(0x1234UL, h[Register.R2]);
    }
}
