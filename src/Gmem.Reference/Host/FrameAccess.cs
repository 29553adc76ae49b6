// The frame operations the host process and the guest memory file need from memory management.
//
// TEMPORARY BACKEND: a managed stand-in until the Mm layer (PhysicalMemory, PageAllocator,
// HugePagePool, DirectMap, KernelAccess) is merged; the members are the contract the rest of
// GuestMemfd/ and Host/ is written against.
//
// Locking: one lock around the frame map; frame contents are copied without it (the callers' locks keep
// a frame from being freed while it is copied).

namespace Gmem.Reference.Host;

/// <summary>Allocation, freeing and content access of frames for the host and guest memory files.</summary>
internal sealed class FrameAccess
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, byte[]> _frames = [];
    private readonly HashSet<ulong> _removedFromDirectMap = [];
    private readonly ulong _totalFrames;
    private readonly int _huge2M;
    private readonly int _huge1G;
    private int _reserved2M;
    private int _reserved1G;
    private ulong _next = 1;

    /// <summary>Creates the frame store.</summary>
    public FrameAccess(ReferenceOptions options)
    {
        _totalFrames = (ulong)options.MemoryBytes >> Page.Shift;
        _huge2M = options.HugePages2M;
        _huge1G = options.HugePages1G;
    }

    /// <summary>Frames currently allocated (anonymous pages and folio frames).</summary>
    public long AllocatedFrames
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>Huge pages of <paramref name="order"/> reserved by files.</summary>
    public int ReservedHugePages(int order)
    {
        lock (_lock)
        {
            return order == 9 ? _reserved2M : _reserved1G;
        }
    }

    /// <summary>A zeroed anonymous frame.</summary>
    /// <exception cref="GmemException">ENOMEM.</exception>
    public Pfn AllocateAnonymous() => AllocateFolio(0, zero: true).Head;

    /// <summary>Frees an anonymous frame.</summary>
    public void FreeAnonymous(Pfn frame) => FreeFolio(new FolioRef(frame, 0));

    /// <summary>A folio of 2^<paramref name="order"/> frames from the buddy allocator; contents are not zeroed.</summary>
    public FolioRef AllocateFolio(int order, bool zero = false)
    {
        lock (_lock)
        {
            ulong frames = 1UL << order;
            if ((ulong)_frames.Count + frames > _totalFrames)
            {
                throw new GmemException("alloc_pages", Errno.ENOMEM);
            }
            ulong head = (_next + frames - 1) & ~(frames - 1);
            _next = head + frames;
            for (ulong i = 0; i < frames; i++)
            {
                _frames.Add(head + i, new byte[Page.Size]);
            }
            return new FolioRef(new Pfn(head), order);
        }
    }

    /// <summary>Frees a folio's frames (restoring any that left the direct map).</summary>
    public void FreeFolio(FolioRef folio)
    {
        lock (_lock)
        {
            for (ulong i = 0; i < folio.Frames; i++)
            {
                bool removed = _frames.Remove(folio.Head.Value + i);
                Debug.Assert(removed, "double free");
                _removedFromDirectMap.Remove(folio.Head.Value + i);
            }
        }
    }

    /// <summary>Reserves <paramref name="count"/> huge pages of <paramref name="order"/> (9 or 18) for a file.</summary>
    public bool TryReserveHuge(int order, long count)
    {
        lock (_lock)
        {
            if (order == 9)
            {
                if (_reserved2M + count > _huge2M)
                {
                    return false;
                }
                _reserved2M += (int)count;
                return true;
            }
            if (_reserved1G + count > _huge1G)
            {
                return false;
            }
            _reserved1G += (int)count;
            return true;
        }
    }

    /// <summary>Returns a reservation.</summary>
    public void UnreserveHuge(int order, long count)
    {
        lock (_lock)
        {
            if (order == 9)
            {
                _reserved2M -= (int)count;
            }
            else
            {
                _reserved1G -= (int)count;
            }
        }
    }

    /// <summary>Takes a reserved huge folio (the reservation is consumed until <see cref="ReturnHuge"/>).</summary>
    public FolioRef TakeHuge(int order) => AllocateFolio(order);

    /// <summary>Gives a huge folio back to the pool (its reservation stays with the file).</summary>
    public void ReturnHuge(FolioRef folio) => FreeFolio(folio);

    /// <summary>Zeroes frames through the kernel's direct map.</summary>
    public void Zero(Pfn first, ulong frames)
    {
        for (ulong i = 0; i < frames; i++)
        {
            Array.Clear(Get(first + i));
        }
    }

    /// <summary>Removes a frame from the direct map.</summary>
    public void RemoveFromDirectMap(Pfn frame)
    {
        lock (_lock)
        {
            _removedFromDirectMap.Add(frame.Value);
        }
    }

    /// <summary>Whether a frame is in the direct map.</summary>
    public bool IsInDirectMap(Pfn frame)
    {
        lock (_lock)
        {
            return _frames.ContainsKey(frame.Value) && !_removedFromDirectMap.Contains(frame.Value);
        }
    }

    /// <summary>Copies from a frame through a user mapping.</summary>
    public void Read(Pfn frame, int offset, Span<byte> destination) => Get(frame).AsSpan(offset, destination.Length).CopyTo(destination);

    /// <summary>Copies into a frame through a user mapping.</summary>
    public void Write(Pfn frame, int offset, ReadOnlySpan<byte> source) => source.CopyTo(Get(frame).AsSpan(offset));

    /// <summary>Copies a whole frame.</summary>
    public void CopyFrame(Pfn source, Pfn destination) => Get(source).CopyTo(Get(destination), 0);

    private byte[] Get(Pfn frame)
    {
        lock (_lock)
        {
            return _frames[frame.Value];
        }
    }
}
