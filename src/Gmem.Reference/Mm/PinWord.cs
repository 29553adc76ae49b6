namespace Gmem.Reference.Mm;

/// <summary>
/// Encoding of <see cref="FrameEntry.PinState"/>: bits 0–14 count every pin (an exclusive pin counts
/// as one), bit 15 = an exclusive pin is held, bits 16–30 count long-term pins, bit 31 = the exclusive
/// pin is long-term. One 32-bit word so that a pin is a single compare-and-swap.
/// </summary>
internal static class PinWord
{
    public const uint CountMask = 0x7FFF;
    public const uint ExclusiveBit = 1u << 15;
    public const int LongtermShift = 16;
    public const uint LongtermMask = 0x7FFFu << LongtermShift;
    public const uint ExclusiveLongtermBit = 1u << 31;
    public const int MaxCount = 0x7FFF;

    public static int Count(uint word) => (int)(word & CountMask);

    public static int LongtermCount(uint word) => (int)((word & LongtermMask) >> LongtermShift);

    public static bool IsExclusive(uint word) => (word & ExclusiveBit) != 0;
}
