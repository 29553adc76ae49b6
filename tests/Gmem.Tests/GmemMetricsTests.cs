using System.Diagnostics.Metrics;
using Gmem.Diagnostics;

namespace Gmem.Tests;

public class GmemMetricsTests
{
    [Fact]
    public void Add_WithListener_ReportsValueAndTags()
    {
        var seen = new List<(string Name, long Value, string? Platform, string? Reason)>();
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
            string? platform = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "platform") platform = (string?)tag.Value;
                if (tag.Key == "reason") reason = (string?)tag.Value;
            }
            lock (seen)
            {
                seen.Add((instrument.Name, value, platform, reason));
            }
        });
        listener.Start();

        GmemMetrics.Add(GmemMetrics.Exits, 3, "reference", "reason", "hlt-test");

        lock (seen)
        {
            Assert.Contains(("gmem.exits", 3L, "reference", "hlt-test"), seen);
        }
    }

    [Fact]
    public void Counters_AllBelongToTheGmemMeter()
    {
        Counter<long>[] counters = [GmemMetrics.Faults, GmemMetrics.Exits, GmemMetrics.Conversions, GmemMetrics.PagesConverted,
            GmemMetrics.Splits, GmemMetrics.Merges, GmemMetrics.Pins, GmemMetrics.BytesBounced];

        Assert.All(counters, c => Assert.Equal(GmemMetrics.MeterName, c.Meter.Name));
        Assert.Equal(counters.Length, counters.Select(c => c.Name).Distinct().Count());
    }
}
