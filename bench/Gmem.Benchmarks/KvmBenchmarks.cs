using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Gmem.Kvm;
using Gmem.Vmm.Bench;
using Gmem.Vmm.X86;

namespace Gmem.Benchmarks;

/// <summary>
/// The C# VMM against the C baseline (the Baseline rows), per category: one port-I/O exit round trip
/// (KVM_RUN → OUT exit → value checked → KVM_RUN), and VM start to first HLT with a guest_memfd memslot.
/// Setup (VMs, guests, compiling the C library) happens outside the measured methods.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KvmBenchmarks
{
    private const int ExitsPerInvoke = 100;

    private KvmHypervisor _kvm = null!;
    private KvmVm _vm = null!;
    private X86Guest _guest = null!;
    private SequenceChecker _checker = null!;
    private CBaseline _c = null!;
    private IDisposable _cGuest = null!;
    private X86GuestOptions _startOptions = null!;
    private X86BootImage _startImage = null!;

    [GlobalSetup]
    public void Setup()
    {
        _c = CBaseline.TryCreate(out string? reason) ?? throw new InvalidOperationException($"The C baseline cannot run: {reason}");
        _kvm = KvmHypervisor.Open();
        _vm = _kvm.CreateVm();
        _guest = X86Guest.Create(_vm, new X86GuestOptions(), QuickBench.ForeverOut);
        _checker = new SequenceChecker();
        _cGuest = _c.OpenIoGuest();
        _startOptions = new X86GuestOptions();
        _startImage = LongModeBoot.Build(_startOptions.Layout, _startOptions.Privilege, a => a.hlt());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cGuest.Dispose();
        _guest.Dispose();
        _vm.Dispose();
        _kvm.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ExitsPerInvoke, Description = "C: port-I/O exit")]
    [BenchmarkCategory("PortIoExit")]
    public void C_PortIoExit() => _c.RunIo(_cGuest, ExitsPerInvoke);

    [Benchmark(OperationsPerInvoke = ExitsPerInvoke, Description = "C#: port-I/O exit")]
    [BenchmarkCategory("PortIoExit")]
    public void CSharp_PortIoExit() => QuickBench.TakeExits(_guest, _checker, ExitsPerInvoke);

    [Benchmark(Baseline = true, Description = "C: VM start to HLT")]
    [BenchmarkCategory("StartToHlt")]
    public void C_StartToHlt() => _c.StartToHlt(1);

    [Benchmark(Description = "C#: VM start to HLT")]
    [BenchmarkCategory("StartToHlt")]
    public void CSharp_StartToHlt() => QuickBench.StartOnce(_kvm, _startOptions, _startImage);
}
