using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Gmem.Benchmarks.Mm;
using Gmem.Reference;
using Gmem.Reference.Mm;

// `--quick`: a side-by-side measurement in a few seconds (ratios, not absolute claims).
// Anything else goes to BenchmarkDotNet (e.g. `--filter *`).
if (args.Length > 0 && args[0] == "--quick")
{
    QuickRun(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(AllocateZeroBenchmarks).Assembly).Run(args);

static void QuickRun(int rounds)
{
    var bench = new AllocateZeroBenchmarks();
    bench.Setup();
    try
    {
        double memset = Best(rounds, bench.Memset, () => { });
        double zero = Best(rounds, bench.ZeroOnly, () => { });
        double order0 = Best(rounds, () => bench.AllocateZero(0), bench.FreeAll);
        double order0Batch = Best(rounds, () => bench.AllocateZeroBatch(0), bench.FreeAll);
        double allocOnly = Best(rounds, () => bench.AllocateOnly(0), bench.FreeAll);
        double order9 = Best(rounds, () => bench.AllocateZero(9), bench.FreeAll);
        double gib = AllocateZeroBenchmarks.Bytes / (double)(1L << 30);
        Console.WriteLine($"256 MiB, best of {rounds} rounds, resident memory:");
        Console.WriteLine($"  memset                 {memset * 1e3,8:F2} ms  {gib / memset,6:F2} GiB/s  100%");
        Console.WriteLine($"  zero primitive only    {zero * 1e3,8:F2} ms  {gib / zero,6:F2} GiB/s  {memset / zero * 100,4:F0}% of memset");
        Console.WriteLine($"  allocate+zero order 0  {order0 * 1e3,8:F2} ms  {gib / order0,6:F2} GiB/s  {memset / order0 * 100,4:F0}% of memset");
        Console.WriteLine($"  allocate+zero order 0, batch {order0Batch * 1e3,8:F2} ms  {gib / order0Batch,6:F2} GiB/s  {memset / order0Batch * 100,4:F0}% of memset");
        Console.WriteLine($"  allocate only, order 0 {allocOnly * 1e3,8:F2} ms  ({allocOnly * 1e9 / AllocateZeroBenchmarks.Frames:F0} ns per folio)");
        Console.WriteLine($"  allocate+zero order 9  {order9 * 1e3,8:F2} ms  {gib / order9,6:F2} GiB/s  {memset / order9 * 100,4:F0}% of memset");
    }
    finally
    {
        bench.Cleanup();
    }

    using var mm = new MemoryManager(new ReferenceOptions());
    Console.WriteLine($"Metadata: {mm.Frames.MetadataBytes} bytes for {mm.Frames.Frames} frames = "
        + $"{(double)mm.Frames.MetadataBytes / mm.Frames.Frames:F2} bytes/frame (default 1 GiB + {mm.HugePages.TotalPages(Folio.Order2M)} x 2 MiB pool; "
        + $"pool backing: {mm.Memory.Huge2M.Backing}).");
}

static double Best(int rounds, Action run, Action cleanup)
{
    double best = double.MaxValue;
    for (int i = 0; i < rounds; i++)
    {
        var clock = Stopwatch.StartNew();
        run();
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
        cleanup();
    }

    return best;
}
