// The quick side-by-side measurements of the Reference platform's targets (issues 3 and 4), each against a
// baseline taken in the same run: the host memset, the real kernel's guest_memfd, the real KVM guest.
// Numbers are the best of a few rounds (under additive noise from other processes the minimum is the
// steadiest estimate); tests never assert them.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Gmem.Kvm;
using Gmem.Reference;
using Gmem.Reference.Mm;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Bench;

/// <summary>Side-by-side measurements of the Reference platform (see file header).</summary>
public static class ReferenceBench
{
    /// <summary>Runs every measurement; Kvm baselines are left out (with <paramref name="skipped"/> saying why) without /dev/kvm.</summary>
    public static IReadOnlyList<BenchComparison> Run(int rounds, out IReadOnlyList<string> skipped, long touchBytes = 64L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var results = new List<BenchComparison>();
        var notes = new List<string>();
        double memset = Best(rounds, () => MemsetNanoseconds(256L << 20));
        results.Add(new("#3", "allocate + zero 256 MiB (host side)", "Reference buddy allocator + zero", Best(rounds, AllocateZeroNanoseconds),
            "memset", memset, 2.0, "≥ 50% of memset bandwidth"));
        results.Add(new("#4", "SetMemoryAttributes, 1 TiB unpopulated", "Reference KVM_SET_MEMORY_ATTRIBUTES", Best(rounds, SetAttributes1TiBNanoseconds),
            "1 ms budget", 1e6, 1.0, "≤ 1 ms"));
        double referenceTouch = Best(rounds, () => ReferenceFirstTouchNanoseconds(touchBytes)) / (touchBytes / Page.Size);
        double memsetPage = MemsetNanoseconds(touchBytes) / (touchBytes / Page.Size);
        results.Add(new("#4", $"guest first touch per 4 KiB ({touchBytes >> 20} MiB)", "Reference bytecode vCPU", referenceTouch,
            "host memset", memsetPage, null, "fault + allocate + zero + map, beside memset"));
        try
        {
            using KvmHypervisor kvm = KvmHypervisor.Open();
            double kvmTouch = Best(rounds, () => FirstTouchNanoseconds(kvm, touchBytes)) / (touchBytes / Page.Size);
            results.Add(new("#4", $"guest first touch per 4 KiB ({touchBytes >> 20} MiB)", "Reference bytecode vCPU", referenceTouch,
                "KVM guest at CPL3 (guest_memfd)", kvmTouch, null, "beside the real KVM guest on this machine"));
            results.Add(new("#3", "punch hole 4 KiB (host-faulted page)", "Reference guest memory file", Best(rounds, () =>
                {
                    using var reference = new ReferenceHypervisor();
                    return PunchNanoseconds(reference);
                }),
                "kernel guest_memfd", Best(rounds, () => PunchNanoseconds(kvm)), 1.0, "≤ the kernel's"));
        }
        catch (GmemException e)
        {
            notes.Add($"Kvm baselines not measured: {e.Message}");
        }
        skipped = notes;
        return results;
    }

    private static double Best(int rounds, Func<double> measure)
    {
        double best = double.MaxValue;
        for (int i = 0; i < rounds; i++)
        {
            best = Math.Min(best, measure());
        }
        return best;
    }

    private static unsafe double MemsetNanoseconds(long bytes)
    {
        // SAFETY: the buffer is ours for the duration of the call and Fill stays inside its length.
        void* buffer = NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        try
        {
            NativeMemory.Fill(buffer, (nuint)bytes, 0x5A);   // resident and warm, as the allocator's arena is
            var clock = Stopwatch.StartNew();
            NativeMemory.Clear(buffer, (nuint)bytes);
            return clock.Elapsed.TotalNanoseconds;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static double AllocateZeroNanoseconds()
    {
        using var mm = new MemoryManager(new ReferenceOptions { MemoryBytes = 512L << 20, HugePages2M = 0, HugePages1G = 0 });
        var owner = FrameOwner.New(FrameOwnerKind.GuestMemfd);
        var folios = new Folio[(256 << 20) / Page.Size];
        for (int i = 0; i < folios.Length; i++)
        {
            folios[i] = mm.Allocator.Allocate(0, owner);   // first round: fault the arena in
        }
        mm.ZeroOnFirstUse(folios);
        foreach (Folio f in folios)
        {
            mm.Free(f);
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < folios.Length; i++)
        {
            folios[i] = mm.Allocator.Allocate(0, owner);
        }
        mm.ZeroOnFirstUse(folios);
        double ns = clock.Elapsed.TotalNanoseconds;
        foreach (Folio f in folios)
        {
            mm.Free(f);
        }
        return ns;
    }

    private static double SetAttributes1TiBNanoseconds()
    {
        using var reference = new ReferenceHypervisor(new ReferenceOptions { MemoryBytes = 64L << 20, HugePages2M = 0, HugePages1G = 0 });
        using IVirtualMachine vm = reference.CreateVm(VmType.SwProtected);
        var clock = Stopwatch.StartNew();
        vm.SetMemoryAttributes(1UL << 40, 1UL << 40, MemoryAttributes.Private);
        return clock.Elapsed.TotalNanoseconds;
    }

    private static double ReferenceFirstTouchNanoseconds(long bytes)
    {
        using var reference = new ReferenceHypervisor(new ReferenceOptions { MemoryBytes = bytes + (64L << 20), HugePages2M = 0, HugePages1G = 0 });
        return FirstTouchNanoseconds(reference, bytes);
    }

    // One guest touching every page once. On Kvm the MicroVm's guest runs at CPL3 and faults through guest_memfd
    // directly (spec §7), its data with no host mapping; on Reference every page takes the stage-2 fault path.
    private static double FirstTouchNanoseconds(IHypervisor hypervisor, long bytes)
    {
        using MicroVm vm = VmBuilder.Create(hypervisor).WithMemory((ulong)bytes + MicroVmOptions.ReservedBytes)
            .WithProgram(new GuestProgram().Touch(new Gpa(MicroVmOptions.ReservedBytes), (ulong)bytes, TouchKind.Write, 1)).Build();
        var clock = Stopwatch.StartNew();
        GuestRunResult result = vm.Run();
        double ns = clock.Elapsed.TotalNanoseconds;
        return result.Outcome == GuestRunOutcome.Halted ? ns : throw new InvalidOperationException($"The first-touch guest did not halt: {result}.");
    }

    private static double PunchNanoseconds(IHypervisor hypervisor)
    {
        const int Pages = 256;
        using IVirtualMachine vm = hypervisor.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pages * Page.Size, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using HostMapping map = gmem.Map(0, Pages * Page.Size);
        map.Write(0, new byte[Pages * Page.Size]);   // host-faulted pages
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Pages; i++)
        {
            gmem.Fallocate(FallocateMode.PunchHole, (long)i * Page.Size, Page.Size);
        }
        return clock.Elapsed.TotalNanoseconds / Pages;
    }
}
