// A running guest as a user of the library sees it: one VM, guest memory from one guest_memfd, one vCPU
// with a guest program loaded, conversions served by a ConversionService, and host access to shared
// memory only (through bounce copies: the host never holds a pointer into guest memory).
//
// Threading: Run, ReadShared and WriteShared are called from one thread; Stop may be called from any.
using System.Diagnostics;
using Gmem.Diagnostics;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Machines;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm;

/// <summary>A micro-VM built by <see cref="VmBuilder"/>. Dispose releases the VM, its memory and its vCPU.</summary>
public sealed class MicroVm : IDisposable
{
    private readonly IGuestMachine _machine;
    private readonly IDisposable? _ownedHypervisor;

    internal MicroVm(IGuestMachine machine, MicroVmOptions options, IDisposable? ownedHypervisor)
    {
        _machine = machine;
        _ownedHypervisor = ownedHypervisor;
        Options = options;
        Conversions = new ConversionService(machine.Conversions, machine.Platform);
    }

    /// <summary>"kvm" or "reference".</summary>
    public string Platform => _machine.Platform;

    /// <summary>The platform half (tests reach the platform's VM through it).</summary>
    internal IGuestMachine Machine => _machine;

    /// <summary>The options the VM was built with.</summary>
    public MicroVmOptions Options { get; }

    /// <summary>The service that handles the guest's conversion requests.</summary>
    public ConversionService Conversions { get; }

    /// <summary>What the platform guarantees about private memory.</summary>
    public IReadOnlyList<string> Guarantees => _machine.Guarantees;

    /// <summary>Bytes copied between the host and shared guest memory.</summary>
    public long BytesBounced { get; private set; }

    /// <summary>
    /// Runs the vCPU until the program halts, an exit the VMM does not handle arrives, or a budget runs out.
    /// Reports, memory faults and conversion requests are handled on the way.
    /// </summary>
    public GuestRunResult Run(long maxExits = 10_000_000, TimeSpan? timeout = null)
    {
        var reports = new GuestReportDecoder();
        var exits = new Dictionary<string, long>();
        long faults = 0, batches = Conversions.Batches, pages = Conversions.PagesConverted;
        var clock = Stopwatch.StartNew();
        using var timer = timeout is { } limit ? new Timer(_ => _machine.RequestExit(), null, limit, Timeout.InfiniteTimeSpan) : null;
        VcpuExit last = VcpuExit.Interrupted.Instance;
        GuestRunOutcome outcome = GuestRunOutcome.ExitLimit;
        for (long n = 0; n < maxExits; n++)
        {
            last = _machine.Run();
            string reason = ReasonOf(last);
            exits[reason] = exits.GetValueOrDefault(reason) + 1;
            GmemMetrics.Add(GmemMetrics.Exits, 1, Platform, "reason", reason);
            if (_machine.Translate(last) is not { } exit || reports.TryAccept(exit))
            {
                continue;
            }
            if (exit is VcpuExit.MemoryFault)
            {
                faults++;
                GmemMetrics.Add(GmemMetrics.Faults, 1, Platform, "reason", "memory-fault-exit");
            }
            if (Conversions.TryHandle(exit))
            {
                continue;
            }
            if (exit is VcpuExit.Hlt)
            {
                outcome = GuestRunOutcome.Halted;
                break;
            }
            if (exit is VcpuExit.Interrupted)
            {
                if (timeout is { } t && clock.Elapsed >= t)
                {
                    outcome = GuestRunOutcome.TimedOut;
                    break;
                }
                continue;
            }
            outcome = GuestRunOutcome.UnhandledExit;
            break;
        }
        return new GuestRunResult(outcome, last, exits, reports.Reports, Conversions.Batches - batches, Conversions.PagesConverted - pages, faults);
    }

    /// <summary>Asks a running <see cref="Run"/> to return soon (any thread).</summary>
    public void Stop() => _machine.RequestExit();

    /// <summary>Copies shared guest memory at <paramref name="address"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="GmemException">EFAULT: part of the range is private (the host has no way to reach it).</exception>
    public void ReadShared(Gpa address, Span<byte> destination)
    {
        _machine.ReadShared(address, destination);
        Bounced(destination.Length);
    }

    /// <summary>Copies <paramref name="source"/> into shared guest memory at <paramref name="address"/>.</summary>
    /// <exception cref="GmemException">EFAULT: part of the range is private.</exception>
    public void WriteShared(Gpa address, ReadOnlySpan<byte> source)
    {
        _machine.WriteShared(address, source);
        Bounced(source.Length);
    }

    /// <summary>The VM's guest physical memory: private, shared, holes, and the mapping level where the platform shows it.</summary>
    public GuestMemoryMap Map() => _machine.Map();

    /// <summary>Ranges of private memory that a host mapping reaches; empty while the isolation holds.</summary>
    public IReadOnlyList<GpaRange> HostVisiblePrivateRanges() => _machine.HostVisiblePrivateRanges();

    /// <summary>Releases the VM (and the hypervisor handle when the builder opened it).</summary>
    public void Dispose()
    {
        _machine.Dispose();
        _ownedHypervisor?.Dispose();
    }

    private void Bounced(int bytes)
    {
        BytesBounced += bytes;
        GmemMetrics.Add(GmemMetrics.BytesBounced, bytes, Platform);
    }

    private static string ReasonOf(VcpuExit exit) => exit switch
    {
        VcpuExit.Io => "io",
        VcpuExit.Mmio => "mmio",
        VcpuExit.Hlt => "hlt",
        VcpuExit.Shutdown => "shutdown",
        VcpuExit.Interrupted => "interrupted",
        VcpuExit.MemoryFault => "memory-fault",
        VcpuExit.Hypercall => "hypercall",
        VcpuExit.InternalError => "internal-error",
        _ => "other",
    };
}
