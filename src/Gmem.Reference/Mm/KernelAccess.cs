// KernelAccess: the kernel's own copies of frame content through the direct map (copy_mc / memcpy on a
// page's linear address, as done by e.g. KVM's emulator, vhost, or the page cache).
//
// A frame removed from the direct map (DirectMap.Remove) has no kernel address: a copy from or to it
// fails with EFAULT and never touches its memory. The check and the copy happen under DirectMap's lock,
// so a removal cannot slip in between. Copies stay within one frame.
namespace Gmem.Reference.Mm;

/// <summary>Kernel copies of frame content through the direct map; EFAULT on a removed frame.</summary>
public sealed class KernelAccess
{
    private readonly PhysicalMemory _memory;
    private readonly DirectMap _directMap;

    internal KernelAccess(PhysicalMemory memory, DirectMap directMap)
    {
        _memory = memory;
        _directMap = directMap;
    }

    /// <summary>Copies from <paramref name="offset"/> bytes into <paramref name="frame"/> (within the frame).</summary>
    /// <exception cref="GmemException"><see cref="Errno.EFAULT"/>: the frame is not in the direct map.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the frame or the frame is outside the arena.</exception>
    public void Read(Pfn frame, int offset, Span<byte> destination)
    {
        if (!TryRead(frame, offset, destination))
        {
            throw Fault(frame);
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="offset"/> bytes into <paramref name="frame"/> (within the frame).</summary>
    /// <exception cref="GmemException"><see cref="Errno.EFAULT"/>: the frame is not in the direct map.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the frame or the frame is outside the arena.</exception>
    public void Write(Pfn frame, int offset, ReadOnlySpan<byte> source)
    {
        if (!TryWrite(frame, offset, source))
        {
            throw Fault(frame);
        }
    }

    /// <summary>Like <see cref="Read"/>, returning false instead of throwing on a removed frame.</summary>
    public bool TryRead(Pfn frame, int offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        lock (_directMap.SyncRoot)
        {
            if (!_directMap.IsMappedLocked(frame))
            {
                return false;
            }

            _memory.Read(frame, offset, destination);
            return true;
        }
    }

    /// <summary>Like <see cref="Write"/>, returning false instead of throwing on a removed frame.</summary>
    public bool TryWrite(Pfn frame, int offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        lock (_directMap.SyncRoot)
        {
            if (!_directMap.IsMappedLocked(frame))
            {
                return false;
            }

            _memory.Write(frame, offset, source);
            return true;
        }
    }

    private static void CheckRange(int offset, int length)
    {
        if (offset < 0 || length > Page.Size - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) leaves the {Page.Size}-byte frame.");
        }
    }

    private static GmemException Fault(Pfn frame) =>
        new("copy_from_kernel_nofault", Errno.EFAULT, $"{frame} is not in the direct map.");
}
