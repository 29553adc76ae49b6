namespace Gmem.Vmm.Conversions;

/// <summary>
/// A device or DMA user of guest memory: it must stop using a range before the range becomes private,
/// and may use it again after it becomes shared.
/// </summary>
public interface IConversionListener
{
    /// <summary>Called before <paramref name="range"/> becomes private: drop every mapping or DMA use of it.</summary>
    void BeforePrivate(GpaRange range);

    /// <summary>Called after <paramref name="range"/> became shared (or when a to-private conversion was undone).</summary>
    void AfterShared(GpaRange range);
}
