using Gmem.Vmm.Conversions;
using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm;

/// <summary>What <see cref="VmBuilder"/> collected: the platform, guest memory and its confidentiality.</summary>
public sealed record MicroVmOptions
{
    /// <summary>Bytes of guest memory from GPA 0, all of it one guest_memfd.</summary>
    public ulong MemoryBytes { get; init; } = 4UL << 20;

    /// <summary>Huge page size for the backing where the platform has huge folios (0 = base pages).</summary>
    public ulong HugePageBytes { get; init; }

    /// <summary>All private with explicit shared windows, or all shared.</summary>
    public ConfidentialityMode Mode { get; init; } = ConfidentialityMode.Private;

    /// <summary>Ranges shared from the start (private mode).</summary>
    public IReadOnlyList<GpaRange> SharedWindows { get; init; } = [];

    /// <summary>The first address guest programs may use: below it the platform keeps page tables and code.</summary>
    public const ulong ReservedBytes = 0x40000;

    /// <summary>Refuses (EINVAL) a conversion that reaches into the reserved page tables and code, on every platform alike.</summary>
    /// <exception cref="GmemException">EINVAL.</exception>
    public static void CheckConvertible(GpaRange range)
    {
        if (range.Start.Value < ReservedBytes)
        {
            throw new GmemException("MAP_GPA_RANGE", Errno.EINVAL, $"{range} overlaps the page tables and code below 0x{ReservedBytes:x}.");
        }
    }
}
