using System.Diagnostics.Metrics;
using Gmem.Diagnostics;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

/// <summary>Stage-2 splits and merges reach the Gmem meter (gmem.splits / gmem.merges, what = stage2-leaf).</summary>
public sealed class Stage2MetricsTests
{
    [Fact]
    public void ZapAndRemap_2MiBLeaf_CountsOneSplitAndOneMerge()
    {
        long splits = 0, merges = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GmemMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "what" && (string?)tag.Value == "stage2-leaf")
                {
                    if (instrument.Name == "gmem.splits") Interlocked.Add(ref splits, value);
                    if (instrument.Name == "gmem.merges") Interlocked.Add(ref merges, value);
                }
            }
        });
        listener.Start();
        using var mmu = new ReaderWriterLockSlim();
        var table = new Stage2(mmu);
        mmu.EnterWriteLock();

        table.MapLocked(new Stage2Leaf(new Gfn(512), new Pfn(1024), MappingLevel.Block2M, MappingKind.Private, true));
        table.ZapLocked(new Gfn(512 + 10), new Gfn(512 + 11));
        table.MapLocked(new Stage2Leaf(new Gfn(512), new Pfn(1024), MappingLevel.Block2M, MappingKind.Private, true));
        mmu.ExitWriteLock();

        // Other tests in this assembly may split leaves at the same time: at least ours are seen.
        Assert.True(Interlocked.Read(ref splits) >= 1, "the split of the 2 MiB leaf is counted");
        Assert.True(Interlocked.Read(ref merges) >= 1, "the 2 MiB leaf that replaces the 4 KiB ones is counted as a merge");
        Assert.Equal(1, table.Splits);
    }
}
