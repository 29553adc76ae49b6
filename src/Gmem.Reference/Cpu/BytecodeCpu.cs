// The bytecode vCPU: an interpreter for the ISA of docs/bytecode-isa.md.
//
// Data model: sixteen 64-bit registers, an instruction pointer that is a guest physical address, and
// at most one pending completion (an exit whose data the next Run hands to the guest). The code lives
// in guest memory; every fetch, load, store, port I/O and hypercall is a call on IGuestBus, so guest
// accesses take the stage-2/fault path hardware takes in KVM.
//
// Restart rule: an instruction retires (registers written, IP advanced) only when all of its accesses
// completed, or when the exit it took is one the next Run finishes (MMIO read, IN, forwarded hypercall)
// or one that already carries the instruction's effect (MMIO write, OUT). Any other exit or a Retry
// leaves the instruction un-retired, so the next Run re-executes it, as hardware re-executes a faulting
// instruction. FILL and CMPB keep their progress in registers (like REP STOSB) and run one page-sized
// chunk per step, so they restart where they stopped and stay interruptible.
//
// Threading: Run is called by one thread at a time (checked); RequestExit from any thread sets a flag
// that Run reads before every step. The loop allocates nothing: scratch buffers are per CPU.
using System.Buffers.Binary;

namespace Gmem.Reference.Cpu;

/// <summary>
/// A guest CPU that executes Gmem bytecode from guest memory through an <see cref="IGuestBus"/>.
/// </summary>
public sealed partial class BytecodeCpu
{
    /// <summary><c>KVM_INTERNAL_ERROR_EMULATION</c>: the suberror of every internal error this CPU reports.</summary>
    public const uint EmulationFailure = 1;

    private readonly IGuestBus _bus;
    private readonly ulong[] _registers = new ulong[Instruction.RegisterCount];
    private readonly byte[] _fetch = new byte[Instruction.Size];
    private readonly byte[] _data = new byte[sizeof(ulong)];
    private readonly byte[] _scratch = new byte[Page.Size];
    private ulong _ip;
    private int _exitRequested;
    private int _running;
    private PendingCompletion _pending;
    private byte _pendingRegister;
    private VcpuExit? _pendingExit;

    /// <summary>Creates a CPU that starts at <paramref name="entry"/> with all registers zero.</summary>
    /// <param name="bus">Where every access goes.</param>
    /// <param name="entry">The first instruction's guest physical address (16-byte aligned).</param>
    /// <exception cref="ArgumentNullException"><paramref name="bus"/> is null.</exception>
    public BytecodeCpu(IGuestBus bus, Gpa entry)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _bus = bus;
        _ip = entry.Value;
    }

    /// <summary>The guest physical address of the next instruction to execute.</summary>
    public Gpa InstructionPointer
    {
        get => new(_ip);
        set => _ip = value.Value;
    }

    /// <summary>Instructions retired since creation.</summary>
    public long InstructionsRetired { get; private set; }

    /// <summary>Steps taken since creation: instruction attempts, retries and FILL/CMPB chunks.</summary>
    public long Steps { get; private set; }

    /// <summary>Whether an exit is waiting for the next <see cref="Run()"/> to hand its data to the guest.</summary>
    public bool HasPendingCompletion => _pending != PendingCompletion.None;

    /// <summary>Reads a register.</summary>
    public ulong GetRegister(Register register) => _registers[(int)register & 15];

    /// <summary>Writes a register (between runs).</summary>
    public void SetRegister(Register register, ulong value) => _registers[(int)register & 15] = value;

    /// <summary>Makes the current or next <see cref="Run()"/> return <see cref="VcpuExit.Interrupted"/> soon. Safe from any thread.</summary>
    public void RequestExit() => Volatile.Write(ref _exitRequested, 1);

    /// <summary>Runs until an exit (one <c>KVM_RUN</c>).</summary>
    /// <returns>The exit: <see cref="VcpuExit.Hlt"/>, an exit from the bus, an emulation error, or <see cref="VcpuExit.Interrupted"/>.</returns>
    /// <exception cref="InvalidOperationException">Another thread is inside <see cref="Run()"/>.</exception>
    public VcpuExit Run() => Run(long.MaxValue);

    /// <summary>
    /// Runs until an exit or until <paramref name="maxSteps"/> steps were taken, whichever comes first.
    /// First finishes the instruction of the previous exit, if it waits for data (MMIO read, IN, hypercall).
    /// </summary>
    /// <param name="maxSteps">The step budget; when it runs out the result is <see cref="VcpuExit.Interrupted"/>.</param>
    /// <returns>The exit.</returns>
    /// <exception cref="InvalidOperationException">Another thread is inside <see cref="Run()"/>.</exception>
    public VcpuExit Run(long maxSteps)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("BytecodeCpu.Run is already running on another thread.");
        }

        try
        {
            CompletePending();
            for (long step = 0; ; step++)
            {
                if (Volatile.Read(ref _exitRequested) != 0)
                {
                    Volatile.Write(ref _exitRequested, 0);
                    return VcpuExit.Interrupted.Instance;
                }

                if (step >= maxSteps)
                {
                    return VcpuExit.Interrupted.Instance;
                }

                Steps++;
                VcpuExit? exit = Step();
                if (exit is not null)
                {
                    return exit;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    // Hands the previous exit's data to the guest and retires its instruction.
    private void CompletePending()
    {
        switch (_pending)
        {
            case PendingCompletion.MmioRead when _pendingExit is VcpuExit.Mmio mmio:
                _registers[_pendingRegister] = ReadLittleEndian(mmio.Data, mmio.Length);
                break;
            case PendingCompletion.PortIn when _pendingExit is VcpuExit.Io io:
                _registers[_pendingRegister] = ReadLittleEndian(io.Data, io.Size);
                break;
            case PendingCompletion.Hypercall when _pendingExit is VcpuExit.Hypercall hypercall:
                _registers[0] = (ulong)hypercall.Ret;
                break;
            default:
                return;
        }

        _pending = PendingCompletion.None;
        _pendingExit = null;
        Retire();
    }

    // One step: fetch, decode, execute. Null means "go on" (retired, or retry the same instruction).
    private VcpuExit? Step()
    {
        ulong ip = _ip;
        if ((ip & (Instruction.Size - 1)) != 0)
        {
            return EmulationError(ip, 0);
        }

        BusResult fetched = _bus.Read(new Gpa(ip), _fetch, GuestAccessType.Fetch);
        if (!fetched.IsCompleted)
        {
            return fetched.Exit is VcpuExit.Mmio ? EmulationError(ip, 0) : fetched.Exit;
        }

        if (!Instruction.TryDecode(_fetch, out Instruction insn))
        {
            return EmulationError(ip, BinaryPrimitives.ReadUInt64LittleEndian(_fetch));
        }

        ulong[] r = _registers;
        switch (insn.Opcode)
        {
            case Opcode.Hlt:
                Retire();
                return VcpuExit.Hlt.Instance;
            case Opcode.Nop:
                break;
            case Opcode.MovImmediate:
                r[insn.A] = (ulong)insn.Immediate;
                break;
            case Opcode.Mov:
                r[insn.A] = r[insn.B];
                break;
            case Opcode.Load8:
                return Load(insn, 1);
            case Opcode.Load16:
                return Load(insn, 2);
            case Opcode.Load32:
                return Load(insn, 4);
            case Opcode.Load64:
                return Load(insn, 8);
            case Opcode.Store8:
                return Store(insn, 1);
            case Opcode.Store16:
                return Store(insn, 2);
            case Opcode.Store32:
                return Store(insn, 4);
            case Opcode.Store64:
                return Store(insn, 8);
            case >= Opcode.Add and <= Opcode.Mul:
                r[insn.A] = Alu.Apply(insn.Opcode - Opcode.Add, r[insn.B], r[insn.C]);
                break;
            case >= Opcode.AddImmediate and <= Opcode.MulImmediate:
                r[insn.A] = Alu.Apply(insn.Opcode - Opcode.AddImmediate, r[insn.B], (ulong)insn.Immediate);
                break;
            case Opcode.Branch:
                if (Alu.Holds((BranchCondition)insn.C, r[insn.A], r[insn.B]))
                {
                    return Jump(insn.Immediate);
                }

                break;
            case Opcode.Loop:
                if (--r[insn.A] != 0)
                {
                    return Jump(insn.Immediate);
                }

                break;
            case Opcode.Fill:
                return FillChunk(insn);
            case Opcode.CompareBytes:
                return CompareChunk(insn);
            case Opcode.Out:
                return PortOut(insn);
            case Opcode.In:
                return PortIn(insn);
            case Opcode.Hypercall:
                return Hypercall();
            default:
                return EmulationError(ip, BinaryPrimitives.ReadUInt64LittleEndian(_fetch));
        }

        Retire();
        return null;
    }

    private VcpuExit? Jump(long offset)
    {
        _ip = _ip + Instruction.Size + (ulong)offset;
        InstructionsRetired++;
        return null;
    }

    private void Retire()
    {
        _ip += Instruction.Size;
        InstructionsRetired++;
    }

    private void SetPending(PendingCompletion kind, byte register, VcpuExit exit)
    {
        _pending = kind;
        _pendingRegister = register;
        _pendingExit = exit;
    }

    private static VcpuExit.InternalError EmulationError(ulong ip, ulong instructionBytes) =>
        new VcpuExit.InternalError(EmulationFailure, [ip, instructionBytes]);

    private static ulong ReadLittleEndian(ReadOnlySpan<byte> bytes, int size)
    {
        ulong value = 0;
        for (int i = Math.Min(Math.Min(size, bytes.Length), 8) - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }
}
