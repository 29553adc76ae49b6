// GuestBus — the hardware path of one vCPU: every fetch, load and store of the bytecode CPU walks
// Stage2 (a hit copies from/to the frame) or takes the FaultPath (a miss maps, retries, or exits);
// port I/O becomes an Io exit, hypercalls go to Hypercalls.
//
// Atomicity against invalidations: a hit copies while holding the mmu lock for READ, and every zap
// holds it for WRITE, so once an invalidation has zapped and flushed no access can still use the old
// frame (the TLB-shootdown guarantee). A miss runs the fault path with no lock held.
//
// Access kind: the VM type decides (FaultPath.FixedAccessKind); a hit on a leaf of the other kind
// (only possible on GpaSharedBit VMs, where the guest picks the alias) is treated as a miss, which
// ends in a private/shared mismatch exit.
//
// Threading: one instance per vCPU, called only from the thread inside BytecodeCpu.Run.
using Gmem.Diagnostics;
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Kvm;

/// <summary>The IGuestBus of a Reference vCPU (see file header).</summary>
internal sealed class GuestBus : IGuestBus
{
    private const int MaxReplays = 4;

    private readonly FaultPath _faults;
    private readonly MmuInvalidation _mmu;
    private readonly Stage2 _stage2;
    private readonly IFrameMemory _memory;
    private readonly Hypercalls _hypercalls;

    /// <summary>Creates the bus of one vCPU.</summary>
    public GuestBus(FaultPath faults, MmuInvalidation mmu, Stage2 stage2, IFrameMemory memory, Hypercalls hypercalls)
    {
        _faults = faults;
        _mmu = mmu;
        _stage2 = stage2;
        _memory = memory;
        _hypercalls = hypercalls;
    }

    /// <summary>Accesses that hit a stage-2 leaf.</summary>
    public long Hits { get; private set; }

    /// <summary>Accesses that missed (took the fault path).</summary>
    public long Misses { get; private set; }

    /// <inheritdoc/>
    public BusResult Read(Gpa address, Span<byte> destination, GuestAccessType access) =>
        Access(address, destination.Length, write: false, new Operation(OperationKind.Read, destination, default, destination.Length, 0));

    /// <inheritdoc/>
    public BusResult Write(Gpa address, ReadOnlySpan<byte> source) =>
        Access(address, source.Length, write: true, new Operation(OperationKind.Write, default, source, source.Length, 0));

    /// <inheritdoc/>
    public BusResult Fill(Gpa address, int length, byte value) =>
        Access(address, length, write: true, new Operation(OperationKind.Fill, default, default, length, value));

    /// <inheritdoc/>
    public BusResult PortIo(IoDirection direction, ushort port, Span<byte> data) =>
        BusResult.ExitWith(new VcpuExit.Io(direction, port, data.Length, 1, data.ToArray()));

    /// <inheritdoc/>
    public BusResult Hypercall(ulong nr, ReadOnlySpan<ulong> args, out long ret)
    {
        VcpuExit.Hypercall? exit = _hypercalls.Handle(nr, args, out ret);
        return exit is null ? BusResult.Completed : BusResult.ExitWith(exit);
    }

    private BusResult Access(Gpa address, int length, bool write, Operation operation)
    {
        Gfn gfn = _faults.GfnOf(address);
        bool? fixedKind = _faults.FixedAccessKind(address);
        int offset = (int)(address.Value & Page.OffsetMask);
        for (int replay = 0; replay < MaxReplays; replay++)
        {
            if (TryHit(gfn, fixedKind, write, offset, operation))
            {
                Hits++;
                return BusResult.Completed;
            }
            Misses++;
            GmemMetrics.Add(GmemMetrics.Faults, 1, "reference", "reason", "stage2-miss");
            FaultOutcome outcome = _faults.Handle(gfn, fixedKind, write);
            switch (outcome.Status)
            {
                case FaultStatus.Mapped:
                    continue;
                case FaultStatus.Retry:
                    return BusResult.Retry;
                case FaultStatus.Exit:
                    return BusResult.ExitWith(outcome.Exit!);
                default:
                    byte[] data = new byte[length];
                    if (operation.Kind == OperationKind.Write)
                    {
                        operation.Source.CopyTo(data);
                    }
                    else if (operation.Kind == OperationKind.Fill)
                    {
                        Array.Fill(data, operation.Value);
                    }
                    return BusResult.ExitWith(new VcpuExit.Mmio(address, length, write, data));
            }
        }
        // Mapped and zapped again several times in a row: let the CPU re-execute.
        return BusResult.Retry;
    }

    private bool TryHit(Gfn gfn, bool? fixedKind, bool write, int offset, Operation operation)
    {
        _mmu.MmuLock.EnterReadLock();
        try
        {
            if (!_stage2.TryTranslate(gfn, out Stage2Leaf leaf)
                || (fixedKind is { } isPrivate && (leaf.Kind == MappingKind.Private) != isPrivate)
                || (write && !leaf.Writable))
            {
                return false;
            }
            Pfn frame = leaf.Pfn + (gfn - leaf.Gfn);
            switch (operation.Kind)
            {
                case OperationKind.Read:
                    _memory.Read(frame, offset, operation.Destination);
                    break;
                case OperationKind.Write:
                    _memory.Write(frame, offset, operation.Source);
                    break;
                default:
                    _memory.Fill(frame, offset, operation.Length, operation.Value);
                    break;
            }
            return true;
        }
        finally
        {
            _mmu.MmuLock.ExitReadLock();
        }
    }

    private enum OperationKind
    {
        Read,
        Write,
        Fill,
    }

    private readonly ref struct Operation(OperationKind kind, Span<byte> destination, ReadOnlySpan<byte> source, int length, byte value)
    {
        public OperationKind Kind { get; } = kind;

        public Span<byte> Destination { get; } = destination;

        public ReadOnlySpan<byte> Source { get; } = source;

        public int Length { get; } = length;

        public byte Value { get; } = value;
    }
}
