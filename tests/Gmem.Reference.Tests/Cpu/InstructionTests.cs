using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class InstructionTests
{
    [Fact]
    public void Encode_Fields_LandOnDocumentedBytes()
    {
        var bytes = new byte[Instruction.Size];
        new Instruction(Opcode.Load32, 3, 4, 0, -2).Encode(bytes);

        Assert.Equal(
            new byte[] { 0x22, 3, 4, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
            bytes);
    }

    [Fact]
    public void TryDecode_EncodedInstruction_RoundTrips()
    {
        var original = new Instruction(Opcode.CompareBytes, 1, 2, 3, 0xab);
        var bytes = new byte[Instruction.Size];
        original.Encode(bytes);

        Assert.True(Instruction.TryDecode(bytes, out Instruction decoded), "a well-formed instruction decodes");
        Assert.Equal(original, decoded);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // zeroed memory
    [InlineData(new byte[] { 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // undefined opcode
    [InlineData(new byte[] { 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // reserved byte set
    [InlineData(new byte[] { 0x10, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]  // register 16
    [InlineData(new byte[] { 0x70, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // OUT of 3 bytes
    [InlineData(new byte[] { 0x50, 1, 2, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // condition 9
    [InlineData(new byte[] { 0x60, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]   // FILL with a = b
    [InlineData(new byte[] { 0x60, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 })]   // FILL byte > 0xff
    [InlineData(new byte[] { 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 })]   // HLT with imm
    public void TryDecode_MalformedBytes_ReturnsFalse(byte[] bytes)
    {
        Assert.False(Instruction.TryDecode(bytes, out _), "malformed bytes must not decode");
    }

    [Fact]
    public void Assemble_UnboundLabel_Throws()
    {
        var assembler = new BytecodeAssembler();
        assembler.Jump(assembler.NewLabel());

        Assert.Throws<InvalidOperationException>(() => assembler.Assemble());
    }

    [Fact]
    public void Bind_Twice_Throws()
    {
        var assembler = new BytecodeAssembler();
        BytecodeLabel label = assembler.NewLabel();
        assembler.Bind(label);

        Assert.Throws<InvalidOperationException>(() => assembler.Bind(label));
    }

    [Fact]
    public void Emit_MalformedInstruction_ThrowsArgumentException()
    {
        var assembler = new BytecodeAssembler();

        Assert.Throws<ArgumentException>(() => assembler.Out(0x80, Register.R1, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => assembler.Load(3, Register.R1, Register.R2));
    }

    [Fact]
    public void Assemble_BackwardBranch_EncodesOffsetFromNextInstruction()
    {
        var assembler = new BytecodeAssembler();
        BytecodeLabel top = assembler.NewLabel();
        assembler.Bind(top).Nop().Nop().Jump(top);
        byte[] code = assembler.Assemble();

        Assert.True(Instruction.TryDecode(code.AsSpan(2 * Instruction.Size), out Instruction jump));
        Assert.Equal(-3L * Instruction.Size, jump.Immediate);
    }

    [Fact]
    public void ToString_Instructions_UseAssemblerSyntax()
    {
        Assert.Equal("LD32 r3, [r4-0x2]", new Instruction(Opcode.Load32, 3, 4, 0, -2).ToString());
        Assert.Equal("ST8 [r1+0x10], r2", new Instruction(Opcode.Store8, 2, 1, 0, 16).ToString());
        Assert.Equal("SARI r1, r2, 0x3", new Instruction(Opcode.SarImmediate, 1, 2, 0, 3).ToString());
        Assert.Equal("B.NotZero r9, r0, -0x20", new Instruction(Opcode.Branch, 9, 0, 8, -32).ToString());
        Assert.Equal("CMPB [r7], r8, 0xa5, r9", new Instruction(Opcode.CompareBytes, 7, 8, 9, 0xa5).ToString());
        Assert.Equal("OUT 0xf00, r10, 4", new Instruction(Opcode.Out, 10, 0, 4, 0xf00).ToString());
    }
}
