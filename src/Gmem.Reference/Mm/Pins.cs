namespace Gmem.Reference.Mm;

/// <summary>GUP pins of frames (see the header comment of the implementation).</summary>
public sealed class Pins
{
    internal Pins(FrameTable frames) => throw new NotImplementedException();

    /// <summary>Pins <paramref name="frame"/>; the pin holds a reference on its folio.</summary>
    /// <exception cref="GmemException"><see cref="Errno.EBUSY"/>: exclusive pin requested while another pin exists, or a pin requested while an exclusive pin exists. <see cref="Errno.EFAULT"/>: the frame is not allocated.</exception>
    public void Pin(Pfn frame, PinFlags flags) => throw new NotImplementedException();

    /// <summary>Like <see cref="Pin"/>, returning false instead of throwing <see cref="Errno.EBUSY"/>.</summary>
    public bool TryPin(Pfn frame, PinFlags flags) => throw new NotImplementedException();

    /// <summary>Drops a pin taken with the same <paramref name="flags"/>. Returns false for an exclusive pin already released by <see cref="ReleaseExclusiveOnFree(Folio)"/> or <see cref="ReleaseExclusiveOnShare"/>.</summary>
    /// <exception cref="InvalidOperationException">No such pin is held.</exception>
    public bool Unpin(Pfn frame, PinFlags flags) => throw new NotImplementedException();

    /// <summary>The hook the guest memory file calls before it frees private memory: drops every exclusive pin in the folio. Returns how many.</summary>
    public int ReleaseExclusiveOnFree(Folio folio) => throw new NotImplementedException();

    /// <summary>The hook the guest memory file calls when private memory becomes shared: drops every exclusive pin in the range. Returns how many.</summary>
    public int ReleaseExclusiveOnShare(Pfn first, ulong frames) => throw new NotImplementedException();

    /// <summary>Pins on <paramref name="frame"/> (an exclusive pin counts as one).</summary>
    public int PinCount(Pfn frame) => throw new NotImplementedException();

    /// <summary>Whether <paramref name="frame"/> holds an exclusive pin.</summary>
    public bool IsExclusivelyPinned(Pfn frame) => throw new NotImplementedException();
}
