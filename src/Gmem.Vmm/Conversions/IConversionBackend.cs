namespace Gmem.Vmm.Conversions;

/// <summary>
/// The platform's conversion primitive, used by <see cref="ConversionService"/>: per-VM attributes
/// (model A, destructive), in-place conversion of the gmem file (model B), or — on a kernel without
/// private attributes — unmapping private ranges from the VMM's own address space.
/// </summary>
public interface IConversionBackend
{
    /// <summary>Converts one range, all or nothing.</summary>
    /// <exception cref="GmemException">The platform refused (for in-place conversion, EAGAIN with the blocking offset).</exception>
    void Convert(GpaRange range, bool toPrivate);

    /// <summary>The sub-ranges of <paramref name="range"/> not yet of the requested kind, in order (empty: nothing to do).</summary>
    IReadOnlyList<GpaRange> Pending(GpaRange range, bool toPrivate);
}
