// Pins: GUP pins of frames (pin_user_pages / unpin_user_page), with long-term and exclusive pins.
//
// Data model. Each frame's FrameEntry.PinState word (see PinWord) holds its pin count, its long-term
// pin count, and whether an exclusive pin (and whether that one is long-term) is held. Every pin also
// holds one reference on the frame's folio (FrameTable.TryGet), so a pinned frame cannot be freed under
// the pin: if its owner frees it, the folio becomes an orphan and is freed on the last unpin.
//
// Rules (exactly these):
//   - an exclusive pin fails with EBUSY if any other pin exists on the frame;
//   - a normal pin (long-term or not) fails with EBUSY while an exclusive pin exists;
//   - the exclusive pin is released when the private memory is freed or shared: the guest memory file
//     calls ReleaseExclusiveOnFree before it frees a private folio and ReleaseExclusiveOnShare when a
//     private range becomes shared. A later Unpin of that exclusive pin returns false.
// Pinning a frame that is not allocated fails with EFAULT (GUP on nothing).
//
// Locking. No lock: a pin or unpin is one compare-and-swap of the frame's pin word, after taking a
// folio reference with "get unless zero", so pins are safe from any thread (vCPUs, host threads).
using Gmem.Diagnostics;
namespace Gmem.Reference.Mm;

/// <summary>GUP pins of frames: normal, long-term and exclusive.</summary>
public sealed class Pins
{
    private readonly FrameTable _frames;

    internal Pins(FrameTable frames) => _frames = frames;

    /// <summary>Pins <paramref name="frame"/>; the pin holds a reference on its folio.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EBUSY"/>: exclusive pin requested while another pin exists, or a pin requested while an exclusive pin exists. <see cref="Errno.EFAULT"/>: the frame is not allocated. <see cref="Errno.ENOMEM"/>: the pin count would overflow.</exception>
    public void Pin(Pfn frame, PinFlags flags)
    {
        Errno result = TryPinCore(frame, flags);
        if (result != 0)
        {
            throw new GmemException("pin_user_pages", result, result == Errno.EBUSY
                ? ((flags & PinFlags.Exclusive) != 0 ? $"{frame} is already pinned." : $"{frame} is pinned exclusively.")
                : $"{frame} cannot be pinned.");
        }
        CountPin(flags);
    }

    /// <summary>Like <see cref="Pin"/>, returning false instead of throwing <see cref="Errno.EBUSY"/>.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EFAULT"/>: the frame is not allocated.</exception>
    public bool TryPin(Pfn frame, PinFlags flags)
    {
        Errno result = TryPinCore(frame, flags);
        if (result is not (0 or Errno.EBUSY))
        {
            throw new GmemException("pin_user_pages", result, $"{frame} cannot be pinned.");
        }

        if (result == 0)
        {
            CountPin(flags);
        }
        return result == 0;
    }

    private static void CountPin(PinFlags flags) => GmemMetrics.Add(GmemMetrics.Pins, 1, "reference", "kind",
        (flags & PinFlags.Exclusive) != 0 ? "exclusive" : (flags & PinFlags.Longterm) != 0 ? "longterm" : "normal");

    /// <summary>Drops a pin taken with the same <paramref name="flags"/>. Returns false for an exclusive pin already released by <see cref="ReleaseExclusiveOnFree(Folio)"/> or <see cref="ReleaseExclusiveOnShare"/>.</summary>
    /// <exception cref="InvalidOperationException">No such pin is held.</exception>
    public bool Unpin(Pfn frame, PinFlags flags)
    {
        ref FrameEntry e = ref _frames.Entry(frame);
        bool exclusive = (flags & PinFlags.Exclusive) != 0;
        bool longterm = (flags & PinFlags.Longterm) != 0;
        uint old = Volatile.Read(ref e.PinState);
        while (true)
        {
            if (exclusive && !PinWord.IsExclusive(old))
            {
                // Released by the free/share hook; the hook already dropped the reference.
                return false;
            }

            if (exclusive && ((old & PinWord.ExclusiveLongtermBit) != 0) != longterm)
            {
                throw new InvalidOperationException($"The exclusive pin of {frame} was taken {(longterm ? "without" : "with")} Longterm.");
            }

            if (!exclusive && (PinWord.IsExclusive(old) || PinWord.Count(old) == 0 || (longterm && PinWord.LongtermCount(old) == 0)))
            {
                throw new InvalidOperationException($"{frame} holds no {(longterm ? "long-term " : string.Empty)}pin to drop.");
            }

            uint value = old - 1;
            if (longterm)
            {
                value -= 1u << PinWord.LongtermShift;
            }

            if (exclusive)
            {
                value &= ~(PinWord.ExclusiveBit | PinWord.ExclusiveLongtermBit);
            }

            uint seen = Interlocked.CompareExchange(ref e.PinState, value, old);
            if (seen == old)
            {
                break;
            }

            old = seen;
        }

        PutFolioOf(frame);
        return true;
    }

    /// <summary>The hook the guest memory file calls before it frees private memory: drops every exclusive pin in the folio. Returns how many.</summary>
    public int ReleaseExclusiveOnFree(Folio folio) => ReleaseExclusive(folio.Head, folio.Frames);

    /// <summary>The hook the guest memory file calls when private memory becomes shared: drops every exclusive pin in the range. Returns how many.</summary>
    public int ReleaseExclusiveOnShare(Pfn first, ulong frames) => ReleaseExclusive(first, frames);

    /// <summary>Pins on <paramref name="frame"/> (an exclusive pin counts as one).</summary>
    public int PinCount(Pfn frame) => _frames.GetInfo(frame).PinCount;

    /// <summary>Whether <paramref name="frame"/> holds an exclusive pin.</summary>
    public bool IsExclusivelyPinned(Pfn frame) => _frames.GetInfo(frame).ExclusivelyPinned;

    private Errno TryPinCore(Pfn frame, PinFlags flags)
    {
        if (!_frames.TryGetFolio(frame, out Folio folio) || !_frames.TryGet(folio))
        {
            return Errno.EFAULT;
        }

        ref FrameEntry e = ref _frames.Entry(frame);
        bool exclusive = (flags & PinFlags.Exclusive) != 0;
        bool longterm = (flags & PinFlags.Longterm) != 0;
        uint old = Volatile.Read(ref e.PinState);
        while (true)
        {
            Errno refused = 0;
            if (exclusive ? PinWord.Count(old) != 0 : PinWord.IsExclusive(old))
            {
                refused = Errno.EBUSY;
            }
            else if (PinWord.Count(old) >= PinWord.MaxCount)
            {
                refused = Errno.ENOMEM;
            }

            if (refused != 0)
            {
                _frames.Put(folio);
                return refused;
            }

            uint value = old + 1;
            if (longterm)
            {
                value += 1u << PinWord.LongtermShift;
            }

            if (exclusive)
            {
                value |= PinWord.ExclusiveBit | (longterm ? PinWord.ExclusiveLongtermBit : 0);
            }

            uint seen = Interlocked.CompareExchange(ref e.PinState, value, old);
            if (seen == old)
            {
                return 0;
            }

            old = seen;
        }
    }

    private int ReleaseExclusive(Pfn first, ulong frames)
    {
        int released = 0;
        for (ulong i = 0; i < frames; i++)
        {
            Pfn frame = first + i;
            ref FrameEntry e = ref _frames.Entry(frame);
            uint old = Volatile.Read(ref e.PinState);
            while (PinWord.IsExclusive(old))
            {
                uint value = old - 1;
                if ((old & PinWord.ExclusiveLongtermBit) != 0)
                {
                    value -= 1u << PinWord.LongtermShift;
                }

                value &= ~(PinWord.ExclusiveBit | PinWord.ExclusiveLongtermBit);
                uint seen = Interlocked.CompareExchange(ref e.PinState, value, old);
                if (seen == old)
                {
                    PutFolioOf(frame);
                    released++;
                    break;
                }

                old = seen;
            }
        }

        return released;
    }

    private void PutFolioOf(Pfn frame)
    {
        // The pin's reference keeps the folio allocated, so the lookup cannot fail here.
        if (!_frames.TryGetFolio(frame, out Folio folio))
        {
            throw new InvalidOperationException($"Pinned {frame} lost its folio.");
        }

        _frames.Put(folio);
    }
}
