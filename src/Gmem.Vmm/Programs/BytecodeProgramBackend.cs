// Compiles a GuestProgram to the Reference platform's bytecode ISA (docs/bytecode-isa.md).
//
// Register use: r0–r6 hypercall number/arguments/result; r7 address and r8 length of the current
// FILL/CMPB/touch; r9 the CMPB result; r10 a scratch value; r11–r15 loop registers, allocated as a
// stack (a Repeat takes one: the counter; a ForEachChunk takes two: the cursor and the counter). So
// loops nest up to five registers deep (e.g. two ForEachChunk and one Repeat).
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
    private const Register Scratch = Register.R10;
    private const Register FirstLoopRegister = Register.R11;
    private const Register LastLoopRegister = Register.R15;

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
        private Register _nextLoopRegister = FirstLoopRegister;

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
                _asm.MovImmediate(Scratch, touch.Value);
            }

            _asm.Bind(top);
            if (touch.Kind == TouchKind.Write)
            {
                _asm.Store(1, Address, 0, Scratch);
            }
            else
            {
                _asm.Load(1, Scratch, Address);
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

        private void EmitForEachChunk(GuestOp.ForEachChunk loop)
        {
            ulong chunks = CeilDiv(loop.LengthBytes, loop.ChunkBytes);
            if (chunks == 0)
            {
                return;
            }

            Register cursor = AllocateLoopRegister();
            Register counter = AllocateLoopRegister();
            BytecodeLabel top = _asm.NewLabel();
            LoadAddress(cursor, loop.Start);   // resolved against the outer cursor, before ours is pushed
            _asm.MovImmediate(counter, chunks).Bind(top);
            _cursors.Push(cursor);
            EmitAll(loop.Body);
            _cursors.Pop();
            _asm.AddImmediate(cursor, cursor, unchecked((long)loop.ChunkBytes)).Loop(counter, top);
            FreeLoopRegister();
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
            if (_nextLoopRegister > LastLoopRegister)
            {
                throw new NotSupportedException(
                    $"Loops nest too deep for the bytecode backend: it has {LastLoopRegister - FirstLoopRegister + 1} loop registers.");
            }

            return _nextLoopRegister++;
        }

        private void FreeLoopRegister() => _nextLoopRegister--;

        private static ulong CeilDiv(ulong value, ulong divisor) => (value / divisor) + (value % divisor == 0 ? 0UL : 1UL);
    }
}
