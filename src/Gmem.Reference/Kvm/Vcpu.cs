// Vcpu — a Reference vCPU: the bytecode CPU (Cpu/) wired to its VM's Stage2/FaultPath through a
// GuestBus, plus KVM_PRE_FAULT_MEMORY.
//
// Data model: the CPU (registers, instruction pointer, pending completion) and the bus; the VM's
// shared MMU objects are reached through the bus. Run() is one KVM_RUN: it returns the next exit
// (Hlt, Io, Mmio, MemoryFault, Hypercall, InternalError, Interrupted). An exit that waits for data
// (MMIO read, IN, forwarded hypercall) is completed with the data the VMM put into the exit object
// when Run is called again.
//
// Threading: Run on one thread at a time; RequestExit from any thread.
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Kvm;

/// <summary>A vCPU of a Reference VM (see file header).</summary>
public sealed class Vcpu : IVcpu
{
    private readonly GuestBus _bus;
    private readonly PreFault _preFault;
    private bool _disposed;

    internal Vcpu(int id, GuestBus bus, PreFault preFault)
    {
        Id = id;
        _bus = bus;
        _preFault = preFault;
        Cpu = new BytecodeCpu(bus, default);
    }

    /// <inheritdoc/>
    public int Id { get; }

    /// <summary>The guest CPU: set its instruction pointer and registers before the first run.</summary>
    public BytecodeCpu Cpu { get; }

    /// <summary>Guest accesses that hit a stage-2 leaf.</summary>
    public long StageTwoHits => _bus.Hits;

    /// <summary>Guest accesses that took the fault path.</summary>
    public long StageTwoMisses => _bus.Misses;

    /// <inheritdoc/>
    public VcpuExit Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Cpu.Run();
    }

    /// <summary>Runs at most <paramref name="maxSteps"/> CPU steps (then <see cref="VcpuExit.Interrupted"/>).</summary>
    public VcpuExit Run(long maxSteps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Cpu.Run(maxSteps);
    }

    /// <inheritdoc/>
    public void RequestExit() => Cpu.RequestExit();

    /// <inheritdoc/>
    public void PreFaultMemory(ref ulong gpa, ref ulong size)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _preFault.Run(ref gpa, ref size);
    }

    /// <inheritdoc/>
    public void Dispose() => _disposed = true;
}
