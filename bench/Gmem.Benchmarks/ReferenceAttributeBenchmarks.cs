using BenchmarkDotNet.Attributes;
using Gmem.Reference;

namespace Gmem.Benchmarks;

/// <summary>
/// KVM_SET_MEMORY_ATTRIBUTES on the Reference platform over 1 TiB of unpopulated guest space
/// (target ≤ 1 ms: attributes are runs, so the cost is O(runs + intersecting slots), not O(pages)).
/// Each invocation flips the value so no call is the unchanged no-op.
/// </summary>
[MemoryDiagnoser]
public class ReferenceAttributeBenchmarks
{
    private const ulong Start = 1UL << 40;
    private const ulong Size = 1UL << 40;
    private ReferenceHypervisor? _hypervisor;
    private IVirtualMachine? _vm;
    private HostMapping? _backing;
    private bool _private;

    /// <summary>Existing private runs elsewhere in the range before the measured calls.</summary>
    [Params(0, 1000)]
    public int ExistingRuns { get; set; }

    /// <summary>A SW_PROTECTED VM with one populated 1 MiB slot outside the measured range.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _hypervisor = new ReferenceHypervisor();
        _vm = _hypervisor.CreateVm(VmType.SwProtected);
        _backing = _hypervisor.Host.MapAnonymous(1 << 20);
        _vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.None, 0x10_0000, 1 << 20, _backing.Address.Value));
        for (ulong i = 0; i < (ulong)ExistingRuns; i++)
        {
            _vm.SetMemoryAttributes(Start + Size + i * 0x20_0000, Page.Size, MemoryAttributes.Private);
        }
    }

    /// <summary>Sets 1 TiB private, then shared on the next invocation.</summary>
    [Benchmark]
    public void SetOneTebibyte()
    {
        _private = !_private;
        _vm!.SetMemoryAttributes(Start, Size, _private ? MemoryAttributes.Private : MemoryAttributes.None);
    }

    /// <summary>Disposes the VM and the platform.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _backing?.Dispose();
        _vm?.Dispose();
        _hypervisor?.Dispose();
    }
}
