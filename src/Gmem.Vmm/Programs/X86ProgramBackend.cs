// Compiles a GuestProgram to x86-64 machine code with Iced, for a long-mode guest set up by LongModeBoot
// (identity-mapped, flat segments, CPL0 or CPL3 with IOPL=3 so port I/O reaches the VMM).
//
// Register use: RDI address and RCX length of the current FILL (REP STOSB) / VERIFY (REPE SCASB) / touch;
// AL the byte; RAX/RBX/RCX/RDX the VMCALL number and arguments; R8–R15 loop registers, allocated as a
// stack (a Repeat takes one: the counter; a ForEachChunk takes two: the cursor and the counter), so loops
// nest up to eight registers deep. Reports are dword OUTs through DX (the report ports are above 0xFF).
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Programs;

/// <summary>The <see cref="IGuestProgramBackend"/> for x86-64 guests on the Kvm platform.</summary>
public sealed class X86ProgramBackend : IGuestProgramBackend
{
    /// <summary>The value of <see cref="Isa"/>.</summary>
    public const string IsaName = "x86-64";

    /// <summary>First port of the <see cref="X86ConversionCall.PortIo"/> sequence (five dword ports from here).</summary>
    public const ushort ConversionPort = 0x0f10;

    private static readonly AssemblerRegister64[] s_loopRegisters = [r8, r9, r10, r11, r12, r13, r14, r15];

    /// <summary>Creates a backend whose code is placed at <paramref name="codeAddress"/>.</summary>
    public X86ProgramBackend(Gpa codeAddress, X86ConversionCall conversionCall = X86ConversionCall.Vmcall)
    {
        CodeAddress = codeAddress;
        ConversionCall = conversionCall;
    }

    /// <summary>Where the code goes (also the entry point).</summary>
    public Gpa CodeAddress { get; }

    /// <summary>How the program asks for conversions.</summary>
    public X86ConversionCall ConversionCall { get; }

    /// <inheritdoc/>
    public string Isa => IsaName;

    /// <inheritdoc/>
    public CompiledGuestProgram Compile(GuestProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var assembler = new Assembler(64);
        Emit(assembler, program);
        using var stream = new MemoryStream();
        assembler.Assemble(new StreamCodeWriter(stream), CodeAddress.Value);
        return new CompiledGuestProgram(IsaName, CodeAddress, [new GuestProgramChunk(CodeAddress, stream.ToArray())]);
    }

    /// <summary>Emits <paramref name="program"/> into <paramref name="assembler"/> (for <c>X86Guest.Create</c>), ending in a halt loop.</summary>
    public void Emit(Assembler assembler, GuestProgram program) => EmitPerVcpu(assembler, [program]);

    /// <summary>
    /// Emits one program per vCPU behind a dispatcher on RBX (vCPU i starts with RBX = i; see
    /// <c>X86Guest.AddVcpu</c>); each program ends in its own halt loop, as does an RBX with no program.
    /// </summary>
    public void EmitPerVcpu(Assembler assembler, IReadOnlyList<GuestProgram> programs)
    {
        ArgumentNullException.ThrowIfNull(assembler);
        ArgumentNullException.ThrowIfNull(programs);
        var entries = new Label[programs.Count];
        if (programs.Count > 1)
        {
            for (int i = 0; i < programs.Count; i++)
            {
                entries[i] = assembler.CreateLabel();
                assembler.cmp(rbx, i);
                assembler.je(entries[i]);
            }
            Label stray = assembler.CreateLabel();
            assembler.Label(ref stray);
            assembler.hlt();
            assembler.jmp(stray);
        }
        for (int i = 0; i < programs.Count; i++)
        {
            var compiler = new Compiler(assembler, ConversionCall);
            if (programs.Count > 1)
            {
                compiler.BindEntry(ref entries[i]);
            }
            compiler.EmitAll(programs[i].Ops);
            compiler.Finish();
        }
    }

    private sealed class Compiler(Assembler a, X86ConversionCall conversionCall)
    {
        private readonly Stack<AssemblerRegister64> _cursors = new();
        private int _nextLoopRegister;
        private int _lastLabelAt = -1;

        public void BindEntry(ref Label entry) => Bind(ref entry);

        public void Finish()
        {
            Label end = a.CreateLabel();
            Bind(ref end);
            a.hlt();
            a.jmp(end);
        }

        // Iced allows one label per instruction: two labels in a row (a verify's "ok" before a loop's top)
        // get a NOP between them.
        private void Bind(ref Label label)
        {
            if (a.Instructions.Count == _lastLabelAt)
            {
                a.nop();
            }
            a.Label(ref label);
            _lastLabelAt = a.Instructions.Count;
        }

        public void EmitAll(IReadOnlyList<GuestOp> ops)
        {
            foreach (GuestOp op in ops)
            {
                Emit(op);
            }
        }

        private void Emit(GuestOp op)
        {
            switch (op)
            {
                case GuestOp.Fill fill:
                    LoadAddress(rdi, fill.Start);
                    a.mov(rcx, fill.LengthBytes);
                    a.mov(al, fill.Value);
                    a.rep.stosb();
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
                    a.mov(eax, report.Value);
                    Out(GuestProgram.ReportPort);
                    break;
                case GuestOp.Repeat repeat:
                    EmitRepeat(repeat);
                    break;
                case GuestOp.Forever forever:
                    Label top = a.CreateLabel();
                    Bind(ref top);
                    EmitAll(forever.Body);
                    a.jmp(top);
                    break;
                case GuestOp.ForEachChunk loop:
                    EmitForEachChunk(loop);
                    break;
                case GuestOp.Halt:
                    a.hlt();
                    break;
                default:
                    throw new NotSupportedException($"The x86-64 backend does not know {op.GetType().Name}.");
            }
        }

        private void EmitVerify(GuestOp.Verify verify)
        {
            if (verify.LengthBytes == 0)
            {
                return;
            }
            Label ok = a.CreateLabel();
            LoadAddress(rdi, verify.Start);
            a.mov(rcx, verify.LengthBytes);
            a.mov(al, verify.Expected);
            a.repe.scasb();
            a.je(ok);
            // REPE SCASB stopped one past the first byte that differs.
            a.lea(rax, __[rdi - 1]);
            Out(GuestProgram.MismatchPort);
            a.shr(rax, 32);
            Out(GuestProgram.MismatchHighPort);
            Bind(ref ok);
        }

        private void EmitTouch(GuestOp.Touch touch)
        {
            ulong pages = (touch.LengthBytes + (ulong)Page.Size - 1) / Page.Size;
            if (pages == 0)
            {
                return;
            }
            Label top = a.CreateLabel();
            LoadAddress(rdi, touch.Start);
            a.mov(rcx, pages);
            a.mov(al, touch.Value);
            Bind(ref top);
            if (touch.Kind == TouchKind.Write)
            {
                a.mov(__byte_ptr[rdi], al);
            }
            else
            {
                a.mov(dl, __byte_ptr[rdi]);
            }
            a.add(rdi, Page.Size);
            a.dec(rcx);
            a.jnz(top);
        }

        private void EmitMapGpaRange(GuestOp.MapGpaRange map)
        {
            ulong pages = Page.CountPages(map.LengthBytes);
            ulong attributes = map.ToPrivate ? GuestProgram.MapGpaRangePrivate : 0;
            Label ok = a.CreateLabel();
            LoadAddress(rbx, map.Start);
            if (conversionCall == X86ConversionCall.Vmcall)
            {
                a.mov(rcx, pages);
                a.mov(rdx, attributes);
                a.mov(eax, (uint)VcpuExit.Hypercall.MapGpaRange);
                a.vmcall();
            }
            else
            {
                a.mov(eax, ebx);
                Out(ConversionPort);
                a.mov(rax, rbx);
                a.shr(rax, 32);
                Out(ConversionPort + 4);
                a.mov(rax, pages);
                Out(ConversionPort + 8);
                a.mov(eax, (uint)attributes);
                Out(ConversionPort + 12);
                a.mov(dx, ConversionPort + 16);
                a.@in(eax, dx);
                a.movsxd(rax, eax);
            }
            a.test(rax, rax);
            a.jz(ok);
            Out(GuestProgram.HypercallStatusPort);
            Bind(ref ok);
        }

        private void EmitRepeat(GuestOp.Repeat repeat)
        {
            if (repeat.Count == 0)
            {
                return;
            }
            AssemblerRegister64 counter = AllocateLoopRegister();
            Label top = a.CreateLabel();
            a.mov(counter, repeat.Count);
            Bind(ref top);
            EmitAll(repeat.Body);
            a.dec(counter);
            a.jnz(top);
            _nextLoopRegister--;
        }

        private void EmitForEachChunk(GuestOp.ForEachChunk loop)
        {
            ulong chunks = (loop.LengthBytes / loop.ChunkBytes) + (loop.LengthBytes % loop.ChunkBytes == 0 ? 0UL : 1UL);
            if (chunks == 0)
            {
                return;
            }
            AssemblerRegister64 cursor = AllocateLoopRegister();
            AssemblerRegister64 counter = AllocateLoopRegister();
            Label top = a.CreateLabel();
            LoadAddress(cursor, loop.Start);   // against the outer cursor, before ours is pushed
            a.mov(counter, chunks);
            Bind(ref top);
            _cursors.Push(cursor);
            EmitAll(loop.Body);
            _cursors.Pop();
            a.mov(rax, loop.ChunkBytes);
            a.add(cursor, rax);
            a.dec(counter);
            a.jnz(top);
            _nextLoopRegister -= 2;
        }

        private void LoadAddress(AssemblerRegister64 destination, GuestAddress address)
        {
            a.mov(destination, address.Offset);
            if (address.IsCursorRelative)
            {
                a.add(destination, _cursors.Peek());
            }
        }

        private void Out(int port)
        {
            a.mov(dx, (ushort)port);
            a.@out(dx, eax);
        }

        private AssemblerRegister64 AllocateLoopRegister()
        {
            if (_nextLoopRegister >= s_loopRegisters.Length)
            {
                throw new NotSupportedException($"Loops nest too deep for the x86-64 backend: it has {s_loopRegisters.Length} loop registers.");
            }
            return s_loopRegisters[_nextLoopRegister++];
        }
    }
}
