using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gmem.Diagnostics;

/// <summary>
/// The counters every layer of Gmem reports through <see cref="System.Diagnostics.Metrics"/>, under the meter
/// named <see cref="MeterName"/>, so <c>dotnet-counters monitor --counters Gmem</c> can watch a running VM.
/// Counters are process-wide; each measurement carries a <c>platform</c> tag ("kvm" or "reference").
/// </summary>
public static class GmemMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Gmem";

    private static readonly Meter s_meter = new(MeterName, "1.0");

    /// <summary>Guest faults taken by the secondary MMU (Reference) or reported as memory-fault exits (Kvm).</summary>
    public static Counter<long> Faults { get; } = s_meter.CreateCounter<long>("gmem.faults", "{fault}", "Guest faults handled by the secondary MMU.");

    /// <summary>vCPU exits, tagged with <c>reason</c>.</summary>
    public static Counter<long> Exits { get; } = s_meter.CreateCounter<long>("gmem.exits", "{exit}", "vCPU exits to the VMM, by reason.");

    /// <summary>Conversion batches (private↔shared), tagged with <c>direction</c>.</summary>
    public static Counter<long> Conversions { get; } = s_meter.CreateCounter<long>("gmem.conversions", "{conversion}", "Private/shared conversion batches.");

    /// <summary>Pages converted, tagged with <c>direction</c>.</summary>
    public static Counter<long> PagesConverted { get; } = s_meter.CreateCounter<long>("gmem.pages_converted", "{page}", "Pages converted between private and shared.");

    /// <summary>Huge mappings or folios split (stage-2 leaves, direct map blocks, huge folios), tagged with <c>what</c>.</summary>
    public static Counter<long> Splits { get; } = s_meter.CreateCounter<long>("gmem.splits", "{split}", "Huge mappings or folios split.");

    /// <summary>Huge mappings or folios merged back, tagged with <c>what</c>.</summary>
    public static Counter<long> Merges { get; } = s_meter.CreateCounter<long>("gmem.merges", "{merge}", "Huge mappings or folios merged back.");

    /// <summary>Pins taken, tagged with <c>kind</c> (normal, longterm, exclusive).</summary>
    public static Counter<long> Pins { get; } = s_meter.CreateCounter<long>("gmem.pins", "{pin}", "Frame pins taken.");

    /// <summary>Bytes copied through bounce buffers between the host and shared guest memory.</summary>
    public static Counter<long> BytesBounced { get; } = s_meter.CreateCounter<long>("gmem.bytes_bounced", "By", "Bytes copied through bounce buffers.");

    /// <summary>Records one measurement of <paramref name="counter"/> with a <c>platform</c> tag and one more tag.</summary>
    public static void Add(Counter<long> counter, long value, string platform, string? tagName = null, string? tagValue = null)
    {
        ArgumentNullException.ThrowIfNull(counter);
        if (!counter.Enabled)
        {
            return;   // nobody listens: keep the hot path free of tag lists
        }
        var tags = new TagList { { "platform", platform } };
        if (tagName is not null)
        {
            tags.Add(tagName, tagValue);
        }
        counter.Add(value, tags);
    }
}
