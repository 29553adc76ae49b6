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
    /// Runs every vCPU (vCPU 0 on the calling thread, the others on threads of their own) until each program
    /// halts, an exit the VMM does not handle arrives, or a budget runs out. Reports, memory faults and
    /// conversion requests are handled on the way; conversions of all vCPUs go through one
    /// <see cref="ConversionService"/>, one at a time.
    /// </summary>
    public GuestRunResult Run(long maxExits = 10_000_000, TimeSpan? timeout = null)
    {
        long batches = Conversions.Batches, pages = Conversions.PagesConverted;
        var clock = Stopwatch.StartNew();
        using var timer = timeout is { } limit ? new Timer(_ => _machine.RequestExit(), null, limit, Timeout.InfiniteTimeSpan) : null;
        var runs = new VcpuRun[_machine.VcpuCount];
        var others = Enumerable.Range(1, runs.Length - 1).Select(i => new Thread(() => runs[i] = RunVcpu(i, maxExits, timeout, clock))
        {
            IsBackground = true,
            Name = $"gmem vCPU {i}",
        }).ToList();
        others.ForEach(t => t.Start());
        try
        {
            runs[0] = RunVcpu(0, maxExits, timeout, clock);
        }
        finally
        {
            others.ForEach(t => t.Join());
        }
        if (runs.FirstOrDefault(r => r.Error is not null) is { Error: { } error })
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        VcpuRun worst = runs.FirstOrDefault(r => r.Outcome != GuestRunOutcome.Halted) ?? runs[0];
        var exits = new Dictionary<string, long>();
        foreach (var (reason, count) in runs.SelectMany(r => r.Exits))
        {
            exits[reason] = exits.GetValueOrDefault(reason) + count;
        }
        return new GuestRunResult(worst.Outcome, worst.LastExit, exits, [.. runs.SelectMany(r => r.Reports)],
            Conversions.Batches - batches, Conversions.PagesConverted - pages, runs.Sum(r => r.Faults))
        {
            ReportsByVcpu = [.. runs.Select(r => r.Reports)],
        };
    }

    private VcpuRun RunVcpu(int vcpu, long maxExits, TimeSpan? timeout, Stopwatch clock)
    {
        var run = new VcpuRun();
        var reports = new GuestReportDecoder();
        try
        {
            for (long n = 0; n < maxExits; n++)
            {
                run.LastExit = _machine.Run(vcpu);
                string reason = ReasonOf(run.LastExit);
                run.Exits[reason] = run.Exits.GetValueOrDefault(reason) + 1;
                GmemMetrics.Add(GmemMetrics.Exits, 1, Platform, "reason", reason);
                if (_machine.Translate(vcpu, run.LastExit) is not { } exit || reports.TryAccept(exit))
                {
                    continue;
                }
                if (exit is VcpuExit.MemoryFault)
                {
                    run.Faults++;
                    GmemMetrics.Add(GmemMetrics.Faults, 1, Platform, "reason", "memory-fault-exit");
                }
                bool handled;
                lock (Conversions)
                {
                    handled = Conversions.TryHandle(exit);
                }
                if (handled)
                {
                    continue;
                }
                if (exit is VcpuExit.Hlt)
                {
                    run.Outcome = GuestRunOutcome.Halted;
                    break;
                }
                if (exit is VcpuExit.Interrupted)
                {
                    if (timeout is { } t && clock.Elapsed >= t)
                    {
                        run.Outcome = GuestRunOutcome.TimedOut;
                        break;
                    }
                    continue;
                }
                run.Outcome = GuestRunOutcome.UnhandledExit;
                break;
            }
        }
        catch (Exception e) when (e is GmemException or InvalidOperationException)
        {
            run.Error = e;
            _machine.RequestExit();   // the VM cannot go on: stop the other vCPUs too
        }
        run.Reports = reports.Reports;
        return run;
    }

    /// <summary>What one vCPU's loop saw.</summary>
    private sealed class VcpuRun
    {
        public GuestRunOutcome Outcome { get; set; } = GuestRunOutcome.ExitLimit;

        public VcpuExit LastExit { get; set; } = VcpuExit.Interrupted.Instance;

        public Dictionary<string, long> Exits { get; } = [];

        public IReadOnlyList<GuestReport> Reports { get; set; } = [];

        public long Faults { get; set; }

        public Exception? Error { get; set; }
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
