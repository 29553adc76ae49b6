// An emitter for the bytecode ISA with labels: one method per instruction, relative branch offsets
// resolved when the program is assembled. The output is position independent (branches are relative;
// absolute guest addresses appear only as immediates the caller chose).
using System.Globalization;

namespace Gmem.Reference.Cpu;

/// <summary>Builds bytecode programs from C#; <see cref="Assemble"/> returns the bytes to load into guest memory.</summary>
public sealed class BytecodeAssembler
{
    private readonly List<Instruction> _code = [];
    private readonly List<int> _labelTargets = [];
    private readonly List<(int Index, int Label)> _fixups = [];

    /// <summary>Instructions emitted so far.</summary>
    public int Count => _code.Count;

    /// <summary>Bytes of the program so far (<see cref="Count"/> × <see cref="Instruction.Size"/>).</summary>
    public int Length => _code.Count * Instruction.Size;

    /// <summary>A new, unbound label.</summary>
    public BytecodeLabel NewLabel()
    {
        _labelTargets.Add(-1);
        return new BytecodeLabel(_labelTargets.Count - 1);
    }

    /// <summary>Binds <paramref name="label"/> to the next instruction emitted.</summary>
    /// <exception cref="InvalidOperationException">The label is already bound.</exception>
    public BytecodeAssembler Bind(BytecodeLabel label)
    {
        CheckLabel(label);
        if (_labelTargets[label.Id] >= 0)
        {
            throw new InvalidOperationException($"Label {label.Id} is already bound.");
        }

        _labelTargets[label.Id] = _code.Count;
        return this;
    }

    /// <summary>Emits one instruction.</summary>
    /// <exception cref="ArgumentException">The instruction is not well formed.</exception>
    public BytecodeAssembler Emit(Instruction instruction)
    {
        if (!instruction.IsWellFormed())
        {
            throw new ArgumentException($"Not a valid instruction: {instruction}.", nameof(instruction));
        }

        _code.Add(instruction);
        return this;
    }

    /// <summary><c>HLT</c>.</summary>
    public BytecodeAssembler Hlt() => Emit(new(Opcode.Hlt, 0, 0, 0, 0));

    /// <summary><c>NOP</c>.</summary>
    public BytecodeAssembler Nop() => Emit(new(Opcode.Nop, 0, 0, 0, 0));

    /// <summary><c>MOVI destination, value</c>.</summary>
    public BytecodeAssembler MovImmediate(Register destination, ulong value) =>
        Emit(new(Opcode.MovImmediate, (byte)destination, 0, 0, (long)value));

    /// <summary><c>MOV destination, source</c>.</summary>
    public BytecodeAssembler Mov(Register destination, Register source) =>
        Emit(new(Opcode.Mov, (byte)destination, (byte)source, 0, 0));

    /// <summary><c>LDn destination, [address + offset]</c> for <paramref name="size"/> 1, 2, 4 or 8 bytes, zero-extended.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not 1, 2, 4 or 8.</exception>
    public BytecodeAssembler Load(int size, Register destination, Register address, long offset = 0) =>
        Emit(new((Opcode)((int)Opcode.Load8 + SizeCode(size)), (byte)destination, (byte)address, 0, offset));

    /// <summary><c>STn [address + offset], value</c> for <paramref name="size"/> 1, 2, 4 or 8 bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not 1, 2, 4 or 8.</exception>
    public BytecodeAssembler Store(int size, Register address, long offset, Register value) =>
        Emit(new((Opcode)((int)Opcode.Store8 + SizeCode(size)), (byte)value, (byte)address, 0, offset));

    /// <summary>A register-register operation <c>op destination, left, right</c> (<see cref="Opcode.Add"/>–<see cref="Opcode.Mul"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not a register arithmetic opcode.</exception>
    public BytecodeAssembler Arithmetic(Opcode operation, Register destination, Register left, Register right)
    {
        if (operation is < Opcode.Add or > Opcode.Mul)
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not a register arithmetic opcode.");
        }

        return Emit(new(operation, (byte)destination, (byte)left, (byte)right, 0));
    }

    /// <summary>An immediate operation <c>opI destination, left, value</c> (<see cref="Opcode.AddImmediate"/>–<see cref="Opcode.MulImmediate"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="operation"/> is not an immediate arithmetic opcode.</exception>
    public BytecodeAssembler ArithmeticImmediate(Opcode operation, Register destination, Register left, long value)
    {
        if (operation is < Opcode.AddImmediate or > Opcode.MulImmediate)
        {
            throw new ArgumentOutOfRangeException(nameof(operation), operation, "Not an immediate arithmetic opcode.");
        }

        return Emit(new(operation, (byte)destination, (byte)left, 0, value));
    }

    /// <summary><c>ADD destination, left, right</c>.</summary>
    public BytecodeAssembler Add(Register destination, Register left, Register right) =>
        Arithmetic(Opcode.Add, destination, left, right);

    /// <summary><c>SUB destination, left, right</c>.</summary>
    public BytecodeAssembler Sub(Register destination, Register left, Register right) =>
        Arithmetic(Opcode.Sub, destination, left, right);

    /// <summary><c>ADDI destination, left, value</c>.</summary>
    public BytecodeAssembler AddImmediate(Register destination, Register left, long value) =>
        ArithmeticImmediate(Opcode.AddImmediate, destination, left, value);

    /// <summary><c>SUBI destination, left, value</c>.</summary>
    public BytecodeAssembler SubImmediate(Register destination, Register left, long value) =>
        ArithmeticImmediate(Opcode.SubImmediate, destination, left, value);

    /// <summary><c>B.cond a, b, target</c>.</summary>
    public BytecodeAssembler Branch(BranchCondition condition, Register a, Register b, BytecodeLabel target) =>
        EmitBranch(new(Opcode.Branch, (byte)a, (byte)b, (byte)condition, 0), target);

    /// <summary>An unconditional jump to <paramref name="target"/>.</summary>
    public BytecodeAssembler Jump(BytecodeLabel target) => Branch(BranchCondition.Always, Register.R0, Register.R0, target);

    /// <summary>Jumps to <paramref name="target"/> when <paramref name="value"/> is zero.</summary>
    public BytecodeAssembler BranchIfZero(Register value, BytecodeLabel target) =>
        Branch(BranchCondition.Zero, value, Register.R0, target);

    /// <summary>Jumps to <paramref name="target"/> when <paramref name="value"/> is not zero.</summary>
    public BytecodeAssembler BranchIfNotZero(Register value, BytecodeLabel target) =>
        Branch(BranchCondition.NotZero, value, Register.R0, target);

    /// <summary><c>LOOP counter, target</c>: decrement, jump while not zero.</summary>
    public BytecodeAssembler Loop(Register counter, BytecodeLabel target) =>
        EmitBranch(new(Opcode.Loop, (byte)counter, 0, 0, 0), target);

    /// <summary><c>FILL [address], length, value</c> (advances both registers).</summary>
    public BytecodeAssembler Fill(Register address, Register length, byte value) =>
        Emit(new(Opcode.Fill, (byte)address, (byte)length, 0, value));

    /// <summary><c>CMPB [address], length, value, result</c>: result = 0 when every byte equals value, else 1 with address at the mismatch.</summary>
    public BytecodeAssembler CompareBytes(Register address, Register length, byte value, Register result) =>
        Emit(new(Opcode.CompareBytes, (byte)address, (byte)length, (byte)result, value));

    /// <summary><c>OUT port, value</c> of <paramref name="size"/> (1, 2 or 4) bytes.</summary>
    public BytecodeAssembler Out(ushort port, Register value, int size) =>
        Emit(new(Opcode.Out, (byte)value, 0, (byte)size, port));

    /// <summary><c>IN destination, port</c> of <paramref name="size"/> (1, 2 or 4) bytes.</summary>
    public BytecodeAssembler In(Register destination, ushort port, int size) =>
        Emit(new(Opcode.In, (byte)destination, 0, (byte)size, port));

    /// <summary><c>HCALL</c>: number in r0, arguments in r1–r6, result in r0.</summary>
    public BytecodeAssembler Hypercall() => Emit(new(Opcode.Hypercall, 0, 0, 0, 0));

    /// <summary>Resolves labels and returns the encoded program.</summary>
    /// <exception cref="InvalidOperationException">A branch names a label that was never bound.</exception>
    public byte[] Assemble()
    {
        var bytes = new byte[Length];
        var code = _code.ToArray();
        foreach ((int index, int label) in _fixups)
        {
            int target = _labelTargets[label];
            if (target < 0)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Label {label} is used by instruction {index} but never bound."));
            }

            long offset = (long)(target - (index + 1)) * Instruction.Size;
            code[index] = code[index] with { Immediate = offset };
        }

        for (int i = 0; i < code.Length; i++)
        {
            code[i].Encode(bytes.AsSpan(i * Instruction.Size));
        }

        return bytes;
    }

    private BytecodeAssembler EmitBranch(Instruction instruction, BytecodeLabel target)
    {
        CheckLabel(target);
        _fixups.Add((_code.Count, target.Id));
        return Emit(instruction);
    }

    private void CheckLabel(BytecodeLabel label)
    {
        if ((uint)label.Id >= (uint)_labelTargets.Count)
        {
            throw new ArgumentException($"Label {label.Id} does not belong to this assembler.", nameof(label));
        }
    }

    private static int SizeCode(int size) => size switch
    {
        1 => 0,
        2 => 1,
        4 => 2,
        8 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Access size must be 1, 2, 4 or 8 bytes."),
    };
}
