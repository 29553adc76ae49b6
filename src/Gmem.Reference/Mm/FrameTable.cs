// FrameTable: the per-frame metadata of the whole arena (the kernel's struct page array).
//
// Data model. One 16-byte FrameEntry per frame of PhysicalMemory, in a single array indexed by
// (pfn - First). An allocated folio of order n has every one of its 2^n frames marked with the owner
// kind and id and the order; its first frame carries FrameFlags.Head and the folio's reference count
// (the owner holds one, every pin one more). Free frames have owner kind None (buddy) or HugePagePool
// (pool); a free buddy block's first frame carries FrameFlags.Buddy, its order and its free-list links.
// Reference counts are never overlaid by links, so a free frame always reads refcount 0.
//
// Frame flags live in one 32-bit word (flags | order << 16 | owner kind << 24) updated by compare-and-
// swap, because several subsystems write flags of the same frame: the allocators (Head, Buddy, Orphan,
// Split) under their own locks, DirectMap (NoDirectMap) under its lock, owners (Uptodate). The flags a
// subsystem other than the allocators owns (Pool, NoDirectMap, Poisoned) survive allocation and free.
//
// Lifetime. The owner frees a folio with ReleaseByOwner (via PageAllocator.Free / HugePagePool.Free):
// that sets Orphan and drops the owner's reference. When the last reference goes (Put), the folio is
// handed to the releaser of its segment (buddy allocator or pool), which rewrites the metadata.
//
// Locking. The table itself takes no lock: reference counts and pin words are atomic, the flag word is
// CAS-updated; the allocators serialise allocation and free of their segment. TryGet/Pin may race with
// the last Put of a folio; they use "get unless zero" and then re-check the folio.
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Gmem.Reference.Mm;

/// <summary>Per-frame metadata of the whole arena, 16 bytes per frame.</summary>
public sealed class FrameTable
{
    /// <summary>Bytes of metadata per frame.</summary>
    public const int BytesPerFrame = 16;

    private readonly FrameEntry[] _entries;
    private readonly List<(PhysicalSegment Segment, IFolioReleaser Releaser)> _releasers = [];

    internal FrameTable(Pfn first, ulong frames)
    {
        Debug.Assert(Unsafe.SizeOf<FrameEntry>() == BytesPerFrame, "FrameEntry must stay 16 bytes.");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frames, (ulong)Array.MaxLength);
        First = first;
        _entries = new FrameEntry[frames];
    }

    /// <summary>The first frame described.</summary>
    public Pfn First { get; }

    /// <summary>The frame after the last one described.</summary>
    public Pfn End => First + Frames;

    /// <summary>Frames described.</summary>
    public ulong Frames => (ulong)_entries.LongLength;

    /// <summary>Bytes of memory the table itself occupies (the entries; the free lists live inside them).</summary>
    public long MetadataBytes => _entries.LongLength * Unsafe.SizeOf<FrameEntry>();

    /// <summary>Whether <paramref name="frame"/> is described by the table.</summary>
    public bool Contains(Pfn frame) => frame >= First && frame < End;

    /// <summary>A snapshot of <paramref name="frame"/>'s metadata.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The frame is outside the arena.</exception>
    public FrameInfo GetInfo(Pfn frame)
    {
        ref FrameEntry e = ref Entry(frame);
        uint meta = Volatile.Read(ref e.Meta);
        var kind = (FrameOwnerKind)(meta >> 24);
        var flags = (FrameFlags)(meta & 0xFFFF);
        bool allocated = IsAllocatedKind(kind);
        uint pins = allocated ? Volatile.Read(ref e.PinState) : 0;
        return new FrameInfo(
            frame,
            flags,
            (int)((meta >> 16) & 0xFF),
            allocated ? new FrameOwner(kind, Volatile.Read(ref e.OwnerId)) : new FrameOwner(kind, 0),
            (flags & FrameFlags.Head) != 0 ? Volatile.Read(ref e.RefCount) : 0,
            PinWord.Count(pins),
            PinWord.LongtermCount(pins),
            PinWord.IsExclusive(pins));
    }

    /// <summary>The allocated folio that <paramref name="frame"/> belongs to; false when the frame is free or outside the arena.</summary>
    public bool TryGetFolio(Pfn frame, out Folio folio)
    {
        folio = default;
        if (!Contains(frame))
        {
            return false;
        }

        uint meta = Volatile.Read(ref Entry(frame).Meta);
        if (!IsAllocatedKind((FrameOwnerKind)(meta >> 24)))
        {
            return false;
        }

        int order = (int)((meta >> 16) & 0xFF);
        var head = new Pfn(frame.Value & ~((1UL << order) - 1));
        if (!Contains(head) || (Entry(head).Flags & FrameFlags.Head) == 0)
        {
            return false;
        }

        folio = new Folio(head, order);
        return true;
    }

    /// <summary>Whether the folio's content was initialised since allocation (zero on first use: see <see cref="MemoryManager.ZeroOnFirstUse(Folio)"/>).</summary>
    public bool IsUptodate(Folio folio) => (HeadEntry(folio).Flags & FrameFlags.Uptodate) != 0;

    /// <summary>Marks the folio's content initialised.</summary>
    public void SetUptodate(Folio folio) => Interlocked.Or(ref HeadEntry(folio).Meta, (uint)FrameFlags.Uptodate);

    /// <summary>Marks the folio's content as needing initialisation again.</summary>
    public void ClearUptodate(Folio folio) => Interlocked.And(ref HeadEntry(folio).Meta, ~(uint)FrameFlags.Uptodate);

    /// <summary>Takes an extra reference on an allocated folio; false if it is free (or no longer this folio).</summary>
    public bool TryGet(Folio folio)
    {
        ref FrameEntry head = ref Entry(folio.Head);
        int count = Volatile.Read(ref head.RefCount);
        while (true)
        {
            if (count <= 0)
            {
                return false;
            }

            int seen = Interlocked.CompareExchange(ref head.RefCount, count + 1, count);
            if (seen == count)
            {
                break;
            }

            count = seen;
        }

        // The folio may have been freed and reallocated with another shape between the read and the get.
        if ((head.Flags & FrameFlags.Head) == 0 || head.Order != folio.Order)
        {
            Put(folio);
            return false;
        }

        return true;
    }

    /// <summary>Drops a reference; the last one returns the folio to the buddy allocator or the pool.</summary>
    /// <exception cref="InvalidOperationException">The folio holds no reference (a double free).</exception>
    public void Put(Folio folio)
    {
        ref FrameEntry head = ref HeadEntry(folio);
        int left = Interlocked.Decrement(ref head.RefCount);
        if (left < 0)
        {
            Interlocked.Increment(ref head.RefCount);
            throw new InvalidOperationException($"{folio} was put more often than it was taken (double free).");
        }

        if (left == 0)
        {
            ReleaserOf(folio.Head).ReleaseFolio(folio);
        }
    }

    /// <summary>Every allocated folio with its owner, in frame order. Take it while nothing else runs (invariant checks).</summary>
    public IReadOnlyList<AllocatedFolio> EnumerateAllocated()
    {
        var result = new List<AllocatedFolio>();
        ulong i = 0;
        while (i < Frames)
        {
            ref FrameEntry e = ref _entries[i];
            FrameFlags flags = e.Flags;
            if ((flags & FrameFlags.Head) != 0)
            {
                var folio = new Folio(First + i, e.Order);
                result.Add(new AllocatedFolio(folio, new FrameOwner(e.OwnerKind, e.OwnerId), e.RefCount, (flags & FrameFlags.Orphan) != 0));
                i += folio.Frames;
            }
            else
            {
                i += (flags & FrameFlags.Buddy) != 0 ? 1UL << e.Order : 1;
            }
        }

        return result;
    }

    /// <summary>Frames allocated to <paramref name="owner"/> (orphans included).</summary>
    public ulong CountFrames(FrameOwner owner)
    {
        ulong count = 0;
        foreach (AllocatedFolio folio in EnumerateAllocated())
        {
            if (folio.Owner == owner)
            {
                count += folio.Folio.Frames;
            }
        }

        return count;
    }

    internal ref FrameEntry Entry(Pfn frame)
    {
        ulong index = frame.Value - First.Value;
        if (frame < First || index >= (ulong)_entries.LongLength)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"{frame} is outside the frame arena [{First}, {End}).");
        }

        return ref _entries[index];
    }

    internal ref FrameEntry EntryAt(ulong index) => ref _entries[index];

    internal ulong IndexOf(Pfn frame) => frame.Value - First.Value;

    internal void RegisterReleaser(PhysicalSegment segment, IFolioReleaser releaser) => _releasers.Add((segment, releaser));

    internal void ReleaseByOwner(Folio folio)
    {
        ref FrameEntry head = ref HeadEntry(folio);
        uint old = Interlocked.Or(ref head.Meta, (uint)FrameFlags.Orphan);
        if ((old & (uint)FrameFlags.Orphan) != 0)
        {
            throw new InvalidOperationException($"{folio} was already freed by its owner.");
        }

        Put(folio);
    }

    /// <summary>Rewrites the allocator-owned state of a frame, keeping the flags other subsystems own.</summary>
    internal static void SetState(ref FrameEntry entry, FrameFlags flags, int order, FrameOwnerKind kind)
    {
        uint old = Volatile.Read(ref entry.Meta);
        while (true)
        {
            uint value = (old & FrameEntry.PersistentFlags) | (FrameEntry.MakeMeta(flags, order, kind) & ~FrameEntry.PersistentFlags);
            uint seen = Interlocked.CompareExchange(ref entry.Meta, value, old);
            if (seen == old)
            {
                return;
            }

            old = seen;
        }
    }

    internal static bool IsAllocatedKind(FrameOwnerKind kind) => kind is not (FrameOwnerKind.None or FrameOwnerKind.HugePagePool);

    private ref FrameEntry HeadEntry(Folio folio)
    {
        ref FrameEntry head = ref Entry(folio.Head);
        if ((head.Flags & FrameFlags.Head) == 0 || head.Order != folio.Order)
        {
            throw new InvalidOperationException($"{folio} is not an allocated folio.");
        }

        return ref head;
    }

    private IFolioReleaser ReleaserOf(Pfn frame)
    {
        foreach ((PhysicalSegment segment, IFolioReleaser releaser) in _releasers)
        {
            if (segment.Contains(frame))
            {
                return releaser;
            }
        }

        throw new InvalidOperationException($"No allocator manages {frame}.");
    }
}
