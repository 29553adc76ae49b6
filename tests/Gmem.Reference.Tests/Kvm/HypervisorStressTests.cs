// Stress: vCPU threads fault private and shared pages (the guest picks the kind with the GPA bit, so
// mismatches come from the guest and are converted by the vCPU thread) while a host thread punches
// holes and flips attributes. The invariant checker runs after every host step. Bounded in
// iterations AND seconds.
using System.Diagnostics;
using Gmem.Reference.Cpu;
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Kvm;
using Xunit.Abstractions;

namespace Gmem.Reference.Tests.Kvm;

public sealed class HypervisorStressTests(ITestOutputHelper output)
{
    private const ulong Base = 0x4000_0000;
    private const int Pages = 64;
    private const int Vcpus = 2;
    private const int HostSteps = 300;
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(5);

    [Fact]
    public void Stress_VcpusFaultWhileHostPunchesAndFlips_NoInvariantViolation()
    {
        using var vm = new GuestVm(ReferenceVmTypes.GpaSharedBit);
        using IGuestMemfd gmem = vm.CreateGmem(Pages * Page.Size);
        vm.AddGmemSlot(1, Base, gmem, 0, Pages * Page.Size);
        var cpus = new Vcpu[Vcpus];
        for (int i = 0; i < Vcpus; i++)
        {
            cpus[i] = vm.AddVcpu(i, a => Program(a, i));
        }
        var checker = new InvariantChecker((Vm)vm.Vm);
        var violations = new List<string>();
        var stop = new CancellationTokenSource();
        var faultsHandled = new long[Vcpus];
        var failures = new List<Exception>();
        var threads = new Thread[Vcpus];
        for (int i = 0; i < Vcpus; i++)
        {
            int id = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    faultsHandled[id] = RunVcpu(vm, cpus[id], stop.Token);
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                }
            });
            threads[i].Start();
        }

        var random = new Random(42);
        var clock = Stopwatch.StartNew();
        int steps = 0;
        for (; steps < HostSteps && clock.Elapsed < s_timeLimit && violations.Count == 0; steps++)
        {
            int first = random.Next(Pages);
            int count = random.Next(1, Math.Min(8, Pages - first) + 1);
            switch (random.Next(3))
            {
                case 0:
                    gmem.Fallocate(FallocateMode.PunchHole, first * Page.Size, count * Page.Size);
                    break;
                default:
                    vm.SetPrivate(Base + (ulong)first * Page.Size, (ulong)count * Page.Size, random.Next(2) == 0);
                    break;
            }
            violations.AddRange(checker.Check());
            Thread.Yield();
        }
        stop.Cancel();
        foreach (Vcpu cpu in cpus)
        {
            cpu.RequestExit();
        }
        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "vCPU threads stop when asked.");
        }

        output.WriteLine($"{steps} host steps in {clock.Elapsed.TotalSeconds:F1} s; vCPU misses {cpus.Sum(c => c.StageTwoMisses)}, conversions {faultsHandled.Sum()}, retries {vm.Core.Faults.Retries}.");
        Assert.Empty(failures);
        Assert.Empty(violations);
        Assert.True(steps >= 20, $"The host made progress ({steps} steps).");
        Assert.True(cpus.Sum(c => c.StageTwoMisses) > steps, "The vCPUs kept faulting while the host invalidated.");
        Assert.True(faultsHandled.Sum() > 0, "Guest-chosen access kinds caused memory-fault exits that the vCPUs converted.");
        Assert.Empty(checker.Check());
        var files = new[] { ((GuestMemfdHandle)gmem).File };
        Assert.Empty(checker.CheckFrameOwnership(files));
    }

    // Forever: for each page p, access it privately when (p + id + round) is even, else through the
    // shared alias; write the round number, read it back.
    private static void Program(BytecodeAssembler a, int id)
    {
        var outer = a.NewLabel();
        var inner = a.NewLabel();
        var usePrivate = a.NewLabel();
        var access = a.NewLabel();
        a.MovImmediate(Register.R10, 0)                                       // round
            .Bind(outer)
            .MovImmediate(Register.R11, 0)                                    // page
            .Bind(inner)
            .Add(Register.R12, Register.R11, Register.R10)
            .AddImmediate(Register.R12, Register.R12, id)
            .ArithmeticImmediate(Opcode.AndImmediate, Register.R12, Register.R12, 1)
            .ArithmeticImmediate(Opcode.ShlImmediate, Register.R13, Register.R11, Page.Shift)
            .AddImmediate(Register.R13, Register.R13, (long)Base)
            .BranchIfZero(Register.R12, usePrivate)
            .MovImmediate(Register.R14, ReferenceVmTypes.SharedGpaMask)
            .Arithmetic(Opcode.Or, Register.R13, Register.R13, Register.R14)
            .Jump(access)
            .Bind(usePrivate)
            .Bind(access)
            .Store(8, Register.R13, 8 * id, Register.R10)
            .Load(8, Register.R15, Register.R13, 8 * id)
            .AddImmediate(Register.R11, Register.R11, 1)
            .MovImmediate(Register.R14, Pages)
            .Branch(BranchCondition.Below, Register.R11, Register.R14, inner)
            .AddImmediate(Register.R10, Register.R10, 1)
            .Jump(outer);
    }

    private static long RunVcpu(GuestVm vm, Vcpu vcpu, CancellationToken stop)
    {
        long converted = 0;
        while (!stop.IsCancellationRequested)
        {
            VcpuExit exit = vcpu.Run(50_000);
            switch (exit)
            {
                case VcpuExit.Interrupted:
                    break;
                case VcpuExit.MemoryFault fault:
                    Assert.Equal(Errno.EFAULT, fault.Errno);
                    vm.SetPrivate(fault.Address.Value, fault.Size, fault.IsPrivate);
                    converted++;
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected exit {exit}.");
            }
        }
        return converted;
    }
}
