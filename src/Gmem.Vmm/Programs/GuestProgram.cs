// The platform-neutral guest program: a tree of GuestOps built fluently, compiled by an
// IGuestProgramBackend (bytecode for Reference, x86-64 for Kvm) so the same program runs on both
// platforms and their observable results — reports, hypercalls, memory contents — can be compared.
namespace Gmem.Vmm.Programs;

/// <summary>
/// Builds a guest program: fill, verify, touch, share/unshare, report, loops, halt.
/// </summary>
/// <remarks>
/// <para>
/// Program model: a sequence of <see cref="GuestOp"/>s run in order by one vCPU, then a final halt
/// loop (running the vCPU again after the end halts again). Addresses are guest physical
/// (<see cref="GuestAddress"/>): fixed, or relative to the cursor of the innermost
/// <see cref="ForEachChunk"/>. Lengths are constants fixed at build time.
/// </para>
/// <para>
/// Observable behaviour, the same on every backend: memory effects of <see cref="Fill"/> and
/// <see cref="Touch"/> (write); <c>KVM_HC_MAP_GPA_RANGE</c> hypercalls from <see cref="Share"/> and
/// <see cref="Unshare"/> (number 12, arguments gpa, pages, attributes with bit 4 = private);
/// reports through port I/O OUTs of 4 bytes (<see cref="ReportPort"/>, <see cref="MismatchPort"/> then
/// <see cref="MismatchHighPort"/>, <see cref="HypercallStatusPort"/>) that
/// <see cref="GuestReportDecoder"/> turns back into <see cref="GuestReport"/>s; and halts.
/// Memory faults and conversions the accesses cause are the platform's business (the VMM handles them
/// and runs the vCPU again; every access is restartable).
/// </para>
/// </remarks>
public sealed class GuestProgram
{
    /// <summary>Port of <see cref="Report"/> (dword OUT of the value).</summary>
    public const ushort ReportPort = 0x0f00;

    /// <summary>Port of a verify mismatch, low 32 bits of the address (dword OUT).</summary>
    public const ushort MismatchPort = 0x0f04;

    /// <summary>Port of a verify mismatch, high 32 bits of the address (dword OUT, after the low half).</summary>
    public const ushort MismatchHighPort = 0x0f08;

    /// <summary>Port of a failed MAP_GPA_RANGE hypercall (dword OUT of the result).</summary>
    public const ushort HypercallStatusPort = 0x0f0c;

    /// <summary>Bit 4 of the MAP_GPA_RANGE attributes: the range becomes private (encrypted).</summary>
    public const ulong MapGpaRangePrivate = 1UL << 4;

    private readonly List<GuestOp> _ops = [];
    private readonly int _cursorDepth;

    /// <summary>Starts an empty program.</summary>
    public GuestProgram()
        : this(0)
    {
    }

    private GuestProgram(int cursorDepth) => _cursorDepth = cursorDepth;

    /// <summary>The ops so far, in order.</summary>
    public IReadOnlyList<GuestOp> Ops => _ops;

    /// <summary>Stores <paramref name="value"/> into every byte of <c>[start, start + lengthBytes)</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="start"/> is cursor-relative outside a <see cref="ForEachChunk"/>.</exception>
    public GuestProgram Fill(GuestAddress start, ulong lengthBytes, byte value) => Add(new GuestOp.Fill(Check(start), lengthBytes, value));

    /// <summary>Checks every byte of the range equals <paramref name="expected"/>; reports the first mismatch's address.</summary>
    /// <exception cref="ArgumentException"><paramref name="start"/> is cursor-relative outside a <see cref="ForEachChunk"/>.</exception>
    public GuestProgram Verify(GuestAddress start, ulong lengthBytes, byte expected) =>
        Add(new GuestOp.Verify(Check(start), lengthBytes, expected));

    /// <summary>Reads (or writes <paramref name="value"/> into) one byte of every 4 KiB page of the range.</summary>
    /// <exception cref="ArgumentException"><paramref name="start"/> is cursor-relative outside a <see cref="ForEachChunk"/>.</exception>
    public GuestProgram Touch(GuestAddress start, ulong lengthBytes, TouchKind kind = TouchKind.Read, byte value = 0) =>
        Add(new GuestOp.Touch(Check(start), lengthBytes, kind, value));

    /// <summary>Converts the range to shared: MAP_GPA_RANGE with bit 4 of the attributes clear.</summary>
    /// <exception cref="ArgumentException">The range is not page aligned, or cursor-relative outside a loop.</exception>
    public GuestProgram Share(GuestAddress start, ulong lengthBytes) => Add(MapGpaRange(start, lengthBytes, toPrivate: false));

    /// <summary>Converts the range to private: MAP_GPA_RANGE with bit 4 of the attributes set.</summary>
    /// <exception cref="ArgumentException">The range is not page aligned, or cursor-relative outside a loop.</exception>
    public GuestProgram Unshare(GuestAddress start, ulong lengthBytes) => Add(MapGpaRange(start, lengthBytes, toPrivate: true));

    /// <summary>Reports <paramref name="value"/> to the host.</summary>
    public GuestProgram Report(uint value) => Add(new GuestOp.Report(value));

    /// <summary>Runs the ops <paramref name="body"/> adds <paramref name="count"/> times.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public GuestProgram Repeat(ulong count, Action<GuestProgram> body) => Add(new GuestOp.Repeat(count, Build(body, _cursorDepth)));

    /// <summary>Runs the ops <paramref name="body"/> adds forever (the VMM stops the vCPU).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public GuestProgram Forever(Action<GuestProgram> body) => Add(new GuestOp.Forever(Build(body, _cursorDepth)));

    /// <summary>
    /// Runs the ops <paramref name="body"/> adds once per <paramref name="chunkBytes"/> of the range; inside,
    /// <see cref="GuestAddress.Cursor"/> is the current chunk's start.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkBytes"/> is zero.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public GuestProgram ForEachChunk(GuestAddress start, ulong lengthBytes, ulong chunkBytes, Action<GuestProgram> body)
    {
        ArgumentOutOfRangeException.ThrowIfZero(chunkBytes);
        return Add(new GuestOp.ForEachChunk(Check(start), lengthBytes, chunkBytes, Build(body, _cursorDepth + 1)));
    }

    /// <summary>Halts the vCPU; running it again continues with the next op.</summary>
    public GuestProgram Halt() => Add(GuestOp.Halt.Instance);

    /// <summary>Compiles the program with <paramref name="backend"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is null.</exception>
    public CompiledGuestProgram Compile(IGuestProgramBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return backend.Compile(this);
    }

    private GuestOp.MapGpaRange MapGpaRange(GuestAddress start, ulong lengthBytes, bool toPrivate)
    {
        if (!Page.IsAligned(start.Offset) || !Page.IsAligned(lengthBytes) || lengthBytes == 0)
        {
            throw new ArgumentException($"MAP_GPA_RANGE needs a page-aligned, non-empty range; got {start} + 0x{lengthBytes:x}.", nameof(lengthBytes));
        }

        return new GuestOp.MapGpaRange(Check(start), lengthBytes, toPrivate);
    }

    private GuestAddress Check(GuestAddress address)
    {
        if (address.IsCursorRelative && _cursorDepth == 0)
        {
            throw new ArgumentException($"{address} needs an enclosing ForEachChunk loop.", nameof(address));
        }

        return address;
    }

    private GuestProgram Add(GuestOp op)
    {
        _ops.Add(op);
        return this;
    }

    private static GuestOp[] Build(Action<GuestProgram> body, int cursorDepth)
    {
        ArgumentNullException.ThrowIfNull(body);
        var inner = new GuestProgram(cursorDepth);
        body(inner);
        return [.. inner._ops];
    }
}
