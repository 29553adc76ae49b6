using BenchmarkDotNet.Attributes;
using Gmem.Reference;
using Gmem.Reference.Mm;

namespace Gmem.Benchmarks.Mm;

/// <summary>
/// Host-side allocate + zero of 256 MiB through the buddy allocator (order-0 and 2 MiB folios, zero on
/// first use) against a plain memset of the same 256 MiB of arena memory, in one run. The arena memory
/// is touched once in setup, so every variant measures zeroing resident memory, not host page faults.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class AllocateZeroBenchmarks
{
    public const long Bytes = 256L << 20;
    public const int Frames = (int)(Bytes >> 12);

    private MemoryManager _mm = null!;
    private FrameOwner _owner;
    private readonly List<Folio> _folios = new(Frames);

    [GlobalSetup]
    public void Setup()
    {
        _mm = new MemoryManager(new ReferenceOptions { MemoryBytes = Bytes, HugePages2M = 0, UseHostHugePages = false });
        _owner = FrameOwner.New(FrameOwnerKind.Test);
        _mm.Memory.Fill(_mm.Memory.Normal.First, (ulong)Frames, 0xA5);
    }

    [GlobalCleanup]
    public void Cleanup() => _mm.Dispose();

    [IterationCleanup]
    public void FreeAll()
    {
        foreach (Folio folio in _folios)
        {
            _mm.Free(folio);
        }

        _folios.Clear();
    }

    /// <summary>The baseline: memset of 256 MiB of arena memory.</summary>
    [Benchmark(Baseline = true)]
    public void Memset() => _mm.Memory.GetSpan(_mm.Memory.Normal.First, Frames).Clear();

    /// <summary>The zeroing primitive alone (non-temporal stores) over the same 256 MiB, without allocation.</summary>
    [Benchmark]
    public void ZeroOnly() => _mm.Memory.Zero(_mm.Memory.Normal.First, (ulong)Frames);

    /// <summary>65536 order-0 folios, each zeroed on first use.</summary>
    [Benchmark]
    public void AllocateZeroOrder0() => AllocateZero(0);

    /// <summary>65536 order-0 folios allocated as a range, then zeroed on first use as one batch (fallocate-style).</summary>
    [Benchmark]
    public void AllocateZeroOrder0Batch() => AllocateZeroBatch(0);

    /// <summary>128 order-9 (2 MiB) folios, each zeroed on first use.</summary>
    [Benchmark]
    public void AllocateZeroOrder9() => AllocateZero(9);

    /// <summary>Allocates 256 MiB as folios of <paramref name="order"/> without zeroing (the allocator's share of the cost).</summary>
    public void AllocateOnly(int order)
    {
        for (int i = 0; i < Frames >> order; i++)
        {
            _folios.Add(_mm.Allocator.Allocate(order, _owner));
        }
    }

    /// <summary>Allocates 256 MiB as folios of <paramref name="order"/>, then zeroes them as one batch.</summary>
    public void AllocateZeroBatch(int order)
    {
        for (int i = 0; i < Frames >> order; i++)
        {
            _folios.Add(_mm.Allocator.Allocate(order, _owner));
        }

        _mm.ZeroOnFirstUse(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_folios));
    }

    /// <summary>Allocates 256 MiB as folios of <paramref name="order"/>, zeroing each on first use.</summary>
    public void AllocateZero(int order)
    {
        for (int i = 0; i < Frames >> order; i++)
        {
            Folio folio = _mm.Allocator.Allocate(order, _owner);
            _mm.ZeroOnFirstUse(folio);
            _folios.Add(folio);
        }
    }
}
