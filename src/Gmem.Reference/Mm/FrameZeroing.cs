using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Gmem.Reference.Mm;

/// <summary>Zeroing of whole frames with non-temporal stores (x86 AVX/SSE2), or <see cref="Span{T}.Clear"/> elsewhere.</summary>
internal static class FrameZeroing
{
    /// <summary>
    /// Zeroes <paramref name="length"/> bytes (a multiple of the page size) at <paramref name="start"/>. Without
    /// <paramref name="fence"/> the stores may still be in flight: call <see cref="Fence"/> before publishing.
    /// </summary>
    public static unsafe void Zero(byte* start, nuint length, bool fence = true)
    {
        if (((nuint)start & 63) != 0 || (length & 127) != 0 || !(Avx.IsSupported || Sse2.IsSupported))
        {
            // SAFETY: the caller passes a range it has bounds-checked and holds the mapping of.
            ClearSlow(start, length);
            return;
        }

        // SAFETY: start is 64-byte aligned and length a multiple of 128, so every aligned store below lies
        // inside [start, start + length), which the caller has bounds-checked and keeps mapped.
        byte* end = start + length;
        if (Avx.IsSupported)
        {
            Vector256<byte> zero = Vector256<byte>.Zero;
            for (byte* p = start; p < end; p += 128)
            {
                Avx.StoreAlignedNonTemporal(p, zero);
                Avx.StoreAlignedNonTemporal(p + 32, zero);
                Avx.StoreAlignedNonTemporal(p + 64, zero);
                Avx.StoreAlignedNonTemporal(p + 96, zero);
            }
        }
        else
        {
            Vector128<byte> zero = Vector128<byte>.Zero;
            for (byte* p = start; p < end; p += 64)
            {
                Sse2.StoreAlignedNonTemporal(p, zero);
                Sse2.StoreAlignedNonTemporal(p + 16, zero);
                Sse2.StoreAlignedNonTemporal(p + 32, zero);
                Sse2.StoreAlignedNonTemporal(p + 48, zero);
            }
        }

        // Non-temporal stores are weakly ordered, even against locked instructions: fence before anyone
        // else may see the frame.
        if (fence)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>Orders every earlier non-temporal store before later stores (sfence).</summary>
    public static void Fence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    private static unsafe void ClearSlow(byte* start, nuint length)
    {
        const int chunk = 1 << 30;
        while (length > 0)
        {
            int step = (int)Math.Min(length, (nuint)chunk);
            // SAFETY: see Zero.
            new Span<byte>(start, step).Clear();
            start += step;
            length -= (nuint)step;
        }
    }
}
