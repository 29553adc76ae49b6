// A few-seconds side-by-side benchmark (not BenchmarkDotNet's full run) for `gmem bench` and the bench
// program's --quick mode. The dev machines are shared and their load swings within a second, so C# and C
// alternate in many short rounds (C first in every other round), each round's ratio compares two halves
// run back to back, and the reported ratio is the median of the round ratios.
using System.Diagnostics;
using Gmem.Kvm;
using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Bench;

/// <summary>Measures the C# VMM against the C baseline: port-I/O exit round trip and VM start to first HLT.</summary>
public static class QuickBench
{
    /// <summary>The port the benchmark guests write to.</summary>
    public const ushort Port = 0x10;

    /// <summary>Target ratio C#/C for the port-I/O round trip.</summary>
    public const double PortIoTarget = 1.10;

    /// <summary>Target ratio C#/C for VM start to first HLT.</summary>
    public const double StartTarget = 1.20;

    /// <summary>Runs both measurements, <paramref name="rounds"/> alternating rounds per side.</summary>
    /// <param name="rounds">Rounds per side (the median is reported).</param>
    /// <param name="exitsPerRound">Port-I/O exits timed per round.</param>
    /// <param name="startsPerRound">VM starts timed per round.</param>
    public static QuickBenchResult Run(int rounds = 41, int exitsPerRound = 300, int startsPerRound = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(exitsPerRound, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(startsPerRound, 1);
        CBaseline? c = CBaseline.TryCreate(out string? reason);
        using KvmHypervisor kvm = KvmHypervisor.Open();

        // Port I/O: one long-lived guest per side, looping OUT forever; a round takes exitsPerRound exits.
        using KvmVm vm = kvm.CreateVm();
        using X86Guest guest = X86Guest.Create(vm, new X86GuestOptions(), ForeverOut);
        var checker = new SequenceChecker();
        using IDisposable? cGuest = c?.OpenIoGuest();
        TakeExits(guest, checker, 200);                 // warm-up: JIT, first exits
        c?.RunIo(cGuest!, 200);
        BenchPair io = Measure("port-I/O exit round trip", PortIoTarget, rounds, exitsPerRound,
            () => TakeExits(guest, checker, exitsPerRound),
            c is null ? null : () => c.RunIo(cGuest!, exitsPerRound));

        // VM start to first HLT: a fresh VM each time; the image is built once, as a VMM would.
        var options = new X86GuestOptions();
        X86BootImage image = LongModeBoot.Build(options.Layout, options.Privilege, a => a.hlt());
        StartOnce(kvm, options, image);                 // warm-up
        c?.StartToHlt(1);
        BenchPair start = Measure("VM start to first HLT", StartTarget, rounds, startsPerRound,
            () =>
            {
                for (int i = 0; i < startsPerRound; i++)
                {
                    StartOnce(kvm, options, image);
                }
            },
            c is null ? null : () => c.StartToHlt(startsPerRound));
        if (c is not null)
        {
            io = io with { CProgramNanoseconds = c.RunProgram("io", (long)rounds * exitsPerRound) };
            start = start with { CProgramNanoseconds = c.RunProgram("start", (long)rounds * startsPerRound) };
        }
        return new QuickBenchResult(io, start, reason);
    }

    /// <summary>The port-I/O guest: OUT 0, 1, 2, … to <see cref="Port"/> forever.</summary>
    public static void ForeverOut(Assembler a)
    {
        ArgumentNullException.ThrowIfNull(a);
        Label loop = a.CreateLabel();
        a.xor(eax, eax);
        a.mov(edx, (uint)Port);
        a.Label(ref loop);
        a.@out(dx, eax);
        a.inc(eax);
        a.jmp(loop);
    }

    /// <summary>Takes <paramref name="exits"/> port-I/O exits from a <see cref="ForeverOut"/> guest, each value checked.</summary>
    public static void TakeExits(X86Guest guest, SequenceChecker checker, long exits)
    {
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(checker);
        X86RunResult result = guest.RunToHlt(checker.OnIo, exits);
        if (result.Outcome != X86RunOutcome.ExitLimit || result.IoExits != exits)
        {
            throw new InvalidOperationException($"The port-I/O guest stopped: {result}.");
        }
    }

    /// <summary>One VM start: VM, guest_memfd, slot, vCPU, CPUID, registers, KVM_RUN to HLT, then everything closed.</summary>
    public static void StartOnce(KvmHypervisor kvm, X86GuestOptions options, X86BootImage image)
    {
        ArgumentNullException.ThrowIfNull(kvm);
        using KvmVm vm = kvm.CreateVm();
        using X86Guest guest = X86Guest.Create(vm, options, image);
        X86RunResult result = guest.RunToHlt(static _ => false);
        if (result.Outcome != X86RunOutcome.Halted)
        {
            throw new InvalidOperationException($"The start guest did not halt: {result}.");
        }
    }

    private static BenchPair Measure(string name, double target, int rounds, int operationsPerRound, Action csharp, Action? c)
    {
        var csharpTimes = new List<double>(rounds);
        var cTimes = new List<double>(rounds);
        var ratios = new List<double>(rounds);
        for (int round = 0; round < rounds; round++)
        {
            double cs;
            double cc = 0;
            if (c is not null && round % 2 == 1)
            {
                cc = Time(c);
                cs = Time(csharp);
            }
            else
            {
                cs = Time(csharp);
                cc = c is null ? 0 : Time(c);
            }
            csharpTimes.Add(cs / operationsPerRound);
            if (c is not null)
            {
                cTimes.Add(cc / operationsPerRound);
                ratios.Add(cs / cc);
            }
        }
        return new BenchPair(name, Median(csharpTimes), c is null ? null : Median(cTimes), c is null ? null : Median(ratios), target,
            (long)rounds * operationsPerRound, null, c is null ? null : csharpTimes.Min() / cTimes.Min());
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
