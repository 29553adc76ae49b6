namespace Gmem.Vmm.Conversions;

/// <summary>A request to make a range private or shared.</summary>
/// <param name="Range">The guest physical range (page aligned).</param>
/// <param name="ToPrivate">True to make it private, false to make it shared.</param>
public readonly record struct ConversionRequest(GpaRange Range, bool ToPrivate)
{
    /// <summary>"private" or "shared": the direction, as the metrics tag it.</summary>
    public string Direction => ToPrivate ? "to-private" : "to-shared";
}
