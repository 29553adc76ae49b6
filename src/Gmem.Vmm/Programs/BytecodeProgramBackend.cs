// Compiles a GuestProgram to the Reference platform's bytecode ISA (docs/bytecode-isa.md).
//
// Register use: r0 hypercall number and result, and scratch for report values; r1–r3 the
// MAP_GPA_RANGE arguments (gpa, pages, attributes); r7 address and r8 length of the current
// FILL/CMPB/touch; r9 the CMPB result, the touch value and a loop's end address; r10–r15 then r4–r6
// loop registers, allocated as a stack, one per loop (a Repeat's counter, a ForEachChunk's cursor —
// its end is recomputed from the outer cursor at each iteration). So loops nest nine deep, more than
// the x86-64 backend allows, and every program that compiles for x86-64 compiles here too. Loops
// nested at most six deep leave r4–r6 zero, so hypercall arguments 3–5 are zero.
using Gmem.Reference.Cpu;

namespace Gmem.Vmm.Programs;

/// <summary>The <see cref="IGuestProgramBackend"/> for the bytecode vCPU of the Reference platform.</summary>
public sealed class BytecodeProgramBackend : IGuestProgramBackend
{
    /// <summary>The value of <see cref="Isa"/>.</summary>
    public const string IsaName = "bytecode";

    private const Register Address = Register.R7;
    private const Register Length = Register.R8;
    private const Register Result = Register.R9;
    private const Register Scratch = Register.R0;

    private static readonly Register[] s_loopRegisters =
        [Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15, Register.R4, Register.R5, Register.R6];

    /// <summary>Creates a backend that places the code at <paramref name="codeAddress"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="codeAddress"/> is not 16-byte aligned.</exception>
    public BytecodeProgramBackend(Gpa codeAddress)
    {
        if (!codeAddress.IsAligned(Instruction.Size))
        {
            throw new ArgumentException($"Bytecode must start at a {Instruction.Size}-byte aligned address, not {codeAddress}.", nameof(codeAddress));
        }

        CodeAddress = codeAddress;
    }

    /// <summary>Where the code goes (also the entry point).</summary>
    public Gpa CodeAddress { get; }

    /// <inheritdoc/>
    public string Isa => IsaName;

    /// <inheritdoc/>
    public CompiledGuestProgram Compile(GuestProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var compiler = new Compiler();
        compiler.EmitAll(program.Ops);
        byte[] code = compiler.Finish();
        return new CompiledGuestProgram(IsaName, CodeAddress, [new GuestProgramChunk(CodeAddress, code)]);
    }

    // One compilation: the assembler, the cursor registers of the enclosing ForEachChunk loops and the
    // next free loop register.
    private sealed class Compiler
    {
        private readonly BytecodeAssembler _asm = new();
        private readonly Stack<Register> _cursors = new();
        private int _loopDepth;

        public void EmitAll(IReadOnlyList<GuestOp> ops)
        {
            foreach (GuestOp op in ops)
            {
                Emit(op);
            }
        }

        public byte[] Finish()
        {
            BytecodeLabel end = _asm.NewLabel();
            _asm.Bind(end).Hlt().Jump(end);
            return _asm.Assemble();
        }

        private void Emit(GuestOp op)
        {
            switch (op)
            {
                case GuestOp.Fill fill:
                    LoadAddress(Address, fill.Start);
                    _asm.MovImmediate(Length, fill.LengthBytes).Fill(Address, Length, fill.Value);
                    break;
                case GuestOp.Verify verify:
                    EmitVerify(verify);
                    break;
                case GuestOp.Touch touch:
                    EmitTouch(touch);
                    break;
                case GuestOp.MapGpaRange map:
                    EmitMapGpaRange(map);
                    break;
                case GuestOp.Report report:
                    _asm.MovImmediate(Scratch, report.Value).Out(GuestProgram.ReportPort, Scratch, 4);
                    break;
                case GuestOp.Repeat repeat:
                    EmitRepeat(repeat);
                    break;
                case GuestOp.Forever forever:
                    BytecodeLabel top = _asm.NewLabel();
                    _asm.Bind(top);
                    EmitAll(forever.Body);
                    _asm.Jump(top);
                    break;
                case GuestOp.ForEachChunk loop:
                    EmitForEachChunk(loop);
                    break;
                case GuestOp.Halt:
                    _asm.Hlt();
                    break;
                default:
                    throw new NotSupportedException($"The bytecode backend does not know {op.GetType().Name}.");
            }
        }

        private void EmitVerify(GuestOp.Verify verify)
        {
            BytecodeLabel ok = _asm.NewLabel();
            LoadAddress(Address, verify.Start);
            _asm.MovImmediate(Length, verify.LengthBytes)
                .CompareBytes(Address, Length, verify.Expected, Result)
                .BranchIfZero(Result, ok)
                .Out(GuestProgram.MismatchPort, Address, 4)
                .ArithmeticImmediate(Opcode.ShrImmediate, Scratch, Address, 32)
                .Out(GuestProgram.MismatchHighPort, Scratch, 4)
                .Bind(ok);
        }

        private void EmitTouch(GuestOp.Touch touch)
        {
            ulong pages = CeilDiv(touch.LengthBytes, Page.Size);
            if (pages == 0)
            {
                return;
            }

            BytecodeLabel top = _asm.NewLabel();
            LoadAddress(Address, touch.Start);
            _asm.MovImmediate(Length, pages);
            if (touch.Kind == TouchKind.Write)
            {
                _asm.MovImmediate(Result, touch.Value);
            }

            _asm.Bind(top);
            if (touch.Kind == TouchKind.Write)
            {
                _asm.Store(1, Address, 0, Result);
            }
            else
            {
                _asm.Load(1, Result, Address);
            }

            _asm.AddImmediate(Address, Address, Page.Size).Loop(Length, top);
        }

        private void EmitMapGpaRange(GuestOp.MapGpaRange map)
        {
            BytecodeLabel ok = _asm.NewLabel();
            LoadAddress(Register.R1, map.Start);
            _asm.MovImmediate(Register.R2, Page.CountPages(map.LengthBytes))
                .MovImmediate(Register.R3, map.ToPrivate ? GuestProgram.MapGpaRangePrivate : 0)
                .MovImmediate(Register.R0, VcpuExit.Hypercall.MapGpaRange)
                .Hypercall()
                .BranchIfZero(Register.R0, ok)
                .Out(GuestProgram.HypercallStatusPort, Register.R0, 4)
                .Bind(ok);
        }

        private void EmitRepeat(GuestOp.Repeat repeat)
        {
            if (repeat.Count == 0)
            {
                return;
            }

            Register counter = AllocateLoopRegister();
            BytecodeLabel top = _asm.NewLabel();
            _asm.MovImmediate(counter, repeat.Count).Bind(top);
            EmitAll(repeat.Body);
            _asm.Loop(counter, top);
            FreeLoopRegister();
        }

        // One register: the cursor. The loop runs while cursor < start + length (unsigned), which visits
        // the same ceil(length / chunk) chunk starts; start + length is recomputed into r9 at the end of
        // each iteration (from the outer cursor when the start is relative, which the body cannot change).
        private void EmitForEachChunk(GuestOp.ForEachChunk loop)
        {
            if (loop.LengthBytes == 0)
            {
                return;
            }

            Register cursor = AllocateLoopRegister();
            BytecodeLabel top = _asm.NewLabel();
            LoadAddress(cursor, loop.Start);   // resolved against the outer cursor, before ours is pushed
            _asm.Bind(top);
            _cursors.Push(cursor);
            EmitAll(loop.Body);
            _cursors.Pop();
            _asm.AddImmediate(cursor, cursor, unchecked((long)loop.ChunkBytes));
            LoadAddress(Result, loop.Start with { Offset = loop.Start.Offset + loop.LengthBytes });
            _asm.Branch(BranchCondition.Below, cursor, Result, top);
            FreeLoopRegister();
        }

        private void LoadAddress(Register destination, GuestAddress address)
        {
            if (address.IsCursorRelative)
            {
                _asm.AddImmediate(destination, _cursors.Peek(), unchecked((long)address.Offset));
            }
            else
            {
                _asm.MovImmediate(destination, address.Offset);
            }
        }

        private Register AllocateLoopRegister()
        {
            if (_loopDepth == s_loopRegisters.Length)
            {
                throw new NotSupportedException(
                    $"Loops nest too deep for the bytecode backend: it has {s_loopRegisters.Length} loop registers.");
            }

            return s_loopRegisters[_loopDepth++];
        }

        private void FreeLoopRegister() => _loopDepth--;

        private static ulong CeilDiv(ulong value, ulong divisor) => (value / divisor) + (value % divisor == 0 ? 0UL : 1UL);
    }
}
