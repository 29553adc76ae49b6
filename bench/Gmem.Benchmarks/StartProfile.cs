using System.Diagnostics;
using System.Globalization;
using Gmem.Kvm;
using Gmem.Vmm.Bench;
using Gmem.Vmm.X86;

namespace Gmem.Benchmarks;

/// <summary>
/// <c>--profile-start</c>: where the time of one C# VM start goes, step by step (the steps of X86Guest.Create
/// spelled out), next to the C baseline's total in the same process.
/// </summary>
internal static class StartProfile
{
    private static readonly string[] s_steps =
    [
        "KVM_CREATE_VM", "KVM_CREATE_GUEST_MEMFD", "mmap", "write image", "SET_USER_MEMORY_REGION2", "KVM_CREATE_VCPU",
        "KVM_SET_CPUID2", "set registers", "KVM_RUN to HLT", "close vCPU", "munmap", "close gmem", "close VM",
    ];

    public static void Run(int reps)
    {
        CBaseline? c = CBaseline.TryCreate(out string? reason);
        using KvmHypervisor kvm = KvmHypervisor.Open();
        var options = new X86GuestOptions();
        X86GuestLayout layout = options.Layout;
        X86BootImage image = LongModeBoot.Build(layout, options.Privilege, a => a.hlt());
        IReadOnlyList<X86CpuidEntry> cpuid;
        using (KvmVm probe = kvm.CreateVm())
        using (KvmVcpu first = probe.CreateVcpu(0))
        {
            cpuid = first.SetupCpuid();
        }
        double[] totals = new double[s_steps.Length];
        double cTotal = 0;
        long[] marks = new long[s_steps.Length + 1];
        for (int i = 0; i < reps; i++)
        {
            int m = 0;
            marks[m++] = Stopwatch.GetTimestamp();
            KvmVm vm = kvm.CreateVm();
            marks[m++] = Stopwatch.GetTimestamp();
            KvmGuestMemfd memory = vm.CreateGuestMemfd((long)layout.MemoryBytes, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
            marks[m++] = Stopwatch.GetTimestamp();
            HostMapping mapping = memory.Map(0, (long)layout.MemoryBytes);
            marks[m++] = Stopwatch.GetTimestamp();
            foreach (X86MemoryChunk chunk in image.Chunks)
            {
                mapping.Write((long)chunk.Address.Value, chunk.Bytes);
            }
            marks[m++] = Stopwatch.GetTimestamp();
            vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.GuestMemfd, 0, layout.MemoryBytes, mapping.Address.Value, 0, memory.Fd));
            marks[m++] = Stopwatch.GetTimestamp();
            KvmVcpu vcpu = vm.CreateVcpu(0);
            marks[m++] = Stopwatch.GetTimestamp();
            vcpu.SetCpuid(cpuid);
            marks[m++] = Stopwatch.GetTimestamp();
            image.State.ApplyTo(vcpu);
            marks[m++] = Stopwatch.GetTimestamp();
            if (vcpu.Run() is not VcpuExit.Hlt)
            {
                throw new InvalidOperationException("The start guest did not halt.");
            }
            marks[m++] = Stopwatch.GetTimestamp();
            vcpu.Dispose();
            marks[m++] = Stopwatch.GetTimestamp();
            mapping.Dispose();
            marks[m++] = Stopwatch.GetTimestamp();
            memory.Dispose();
            marks[m++] = Stopwatch.GetTimestamp();
            vm.Dispose();
            marks[m++] = Stopwatch.GetTimestamp();
            for (int p = 0; p < s_steps.Length; p++)
            {
                totals[p] += Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMicroseconds;
            }
            if (c is not null)
            {
                long s = Stopwatch.GetTimestamp();
                c.StartToHlt(1);
                cTotal += Stopwatch.GetElapsedTime(s).TotalMicroseconds;
            }
        }
        for (int p = 0; p < s_steps.Length; p++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s_steps[p],-26} {totals[p] / reps,10:F1} µs"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"C# total",-26} {totals.Sum() / reps,10:F1} µs"));
        Console.WriteLine(c is null ? $"C baseline unavailable: {reason}" : string.Create(CultureInfo.InvariantCulture, $"{"C total (same process)",-26} {cTotal / reps,10:F1} µs"));
        Console.WriteLine($"memory mappings in this process: {File.ReadLines("/proc/self/maps").Count()}");
    }
}
