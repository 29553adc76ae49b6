// DirectMap: the kernel's linear map of every frame (x86-64 "direct map").
//
// Data model. The arena starts 1 GiB aligned and is a whole number of 2 MiB regions. At creation every
// 1 GiB region entirely inside the arena is mapped by one 1 GiB block (PUD leaf); a partial last 1 GiB
// region is mapped by 2 MiB blocks (PMD leaves) from the start, which is not counted as a split. Per
// 1 GiB region _split1G says whether it became a table of 2 MiB entries; per 2 MiB region _split2M says
// whether it became a table of 4 KiB entries. Whether a frame is mapped at all is FrameFlags.NoDirectMap
// in the FrameTable, so KernelAccess and invariant checks read it where they read the rest of a frame.
//
// Remove works like the kernel's change_page_attr on a range: a chunk that covers a whole, still intact
// 1 GiB or 2 MiB block is unmapped as that block (no split); anything smaller splits the enclosing
// blocks (1 GiB -> 512 x 2 MiB, 2 MiB -> 512 x 4 KiB), each split counted. One kernel TLB flush follows
// every Remove that unmapped something (flush_tlb_kernel_range). Restore maps the frames again at the
// level their region now has; adding mappings needs no flush. Splits are permanent: like the kernel, the
// direct map never re-forms a large block once split (counted in Counters, documented).
//
// Locking. One lock (SyncRoot) covers the split state, the NoDirectMap flags' transitions and the
// counters. KernelAccess takes the same lock around its check-and-copy, so a frame is never removed in
// the middle of a kernel copy of it, and never copied after its removal.
using Gmem.Diagnostics;
namespace Gmem.Reference.Mm;

/// <summary>The kernel's linear map of every frame: removal and restoration per frame, with split and TLB-flush accounting.</summary>
public sealed class DirectMap
{
    private const int Shift1G = Folio.Order1G;
    private const int Shift2M = Folio.Order2M;

    private readonly Lock _lock = new();
    private readonly FrameTable _frames;
    private readonly bool[] _split1G;
    private readonly bool[] _split2M;
    private long _splits1G;
    private long _splits2M;
    private long _tlbFlushes;
    private long _removed;

    internal DirectMap(FrameTable frames)
    {
        _frames = frames;
        ulong count = frames.Frames;
        _split1G = new bool[(count + (1UL << Shift1G) - 1) >> Shift1G];
        _split2M = new bool[(count + (1UL << Shift2M) - 1) >> Shift2M];
        if ((count & ((1UL << Shift1G) - 1)) != 0)
        {
            // The last 1 GiB region is partial: mapped with 2 MiB blocks from the start.
            _split1G[^1] = true;
        }
    }

    /// <summary>Lock shared with <see cref="KernelAccess"/>: removal never overlaps a kernel copy of the same frame.</summary>
    internal Lock SyncRoot => _lock;

    /// <summary>The counters so far.</summary>
    public DirectMapCounters Counters
    {
        get
        {
            lock (_lock)
            {
                return new DirectMapCounters(_splits1G, _splits2M, _tlbFlushes, _removed);
            }
        }
    }

    /// <summary>Removes the frames from the direct map (splitting larger blocks only where the range does not cover them), then flushes the kernel TLB once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the arena.</exception>
    public void Remove(Pfn first, ulong frames) => Change(first, frames, remove: true);

    /// <summary>Removes the folio's frames.</summary>
    public void Remove(Folio folio) => Remove(folio.Head, folio.Frames);

    /// <summary>Maps the frames again (at the level their region now has; no flush is needed to add a mapping).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the arena.</exception>
    public void Restore(Pfn first, ulong frames) => Change(first, frames, remove: false);

    /// <summary>Restores the folio's frames.</summary>
    public void Restore(Folio folio) => Restore(folio.Head, folio.Frames);

    /// <summary>Whether <paramref name="frame"/> is mapped.</summary>
    public bool IsMapped(Pfn frame) => (_frames.Entry(frame).Flags & FrameFlags.NoDirectMap) == 0;

    /// <summary>The size of the entry that maps <paramref name="frame"/>.</summary>
    public DirectMapLevel LevelOf(Pfn frame)
    {
        ulong index = _frames.IndexOf(frame);
        lock (_lock)
        {
            if (!IsMapped(frame))
            {
                return DirectMapLevel.NotMapped;
            }

            return !_split1G[index >> Shift1G] ? DirectMapLevel.Pud1G
                : !_split2M[index >> Shift2M] ? DirectMapLevel.Pmd2M
                : DirectMapLevel.Pte4K;
        }
    }

    /// <summary>Whether the frame is mapped, read under <see cref="SyncRoot"/> by the caller.</summary>
    internal bool IsMappedLocked(Pfn frame) => IsMapped(frame);

    private void Change(Pfn first, ulong frames, bool remove)
    {
        if (!_frames.Contains(first) || frames > _frames.Frames - _frames.IndexOf(first))
        {
            throw new ArgumentOutOfRangeException(nameof(frames), $"[{first}, +{frames}) is outside the arena.");
        }

        ulong start = _frames.IndexOf(first);
        ulong end = start + frames;
        lock (_lock)
        {
            bool unmapped = false;
            ulong i = start;
            while (i < end)
            {
                ulong step;
                if (IsWholeBlock(i, end, Shift1G) && !_split1G[i >> Shift1G])
                {
                    step = 1UL << Shift1G;
                }
                else if (IsWholeBlock(i, end, Shift2M) && !_split2M[i >> Shift2M])
                {
                    step = 1UL << Shift2M;
                    if (remove)
                    {
                        SplitLocked(i, Shift1G);
                    }
                }
                else
                {
                    step = 1;
                    if (remove)
                    {
                        SplitLocked(i, Shift1G);
                        SplitLocked(i, Shift2M);
                    }
                }

                for (ulong f = i; f < i + step; f++)
                {
                    unmapped |= SetMappedLocked(f, !remove) && remove;
                }

                i += step;
            }

            if (unmapped)
            {
                _tlbFlushes++;
            }
        }
    }

    private static bool IsWholeBlock(ulong index, ulong end, int shift) =>
        (index & ((1UL << shift) - 1)) == 0 && end - index >= 1UL << shift;

    private void SplitLocked(ulong index, int shift)
    {
        bool[] split = shift == Shift1G ? _split1G : _split2M;
        if (!split[index >> shift])
        {
            split[index >> shift] = true;
            if (shift == Shift1G)
            {
                _splits1G++;
            }
            else
            {
                _splits2M++;
            }
            GmemMetrics.Add(GmemMetrics.Splits, 1, "reference", "what", "direct-map");
        }
    }

    /// <summary>Sets the frame's mapped state; returns whether it changed.</summary>
    private bool SetMappedLocked(ulong index, bool mapped)
    {
        ref FrameEntry e = ref _frames.EntryAt(index);
        uint old = mapped
            ? Interlocked.And(ref e.Meta, ~(uint)FrameFlags.NoDirectMap)
            : Interlocked.Or(ref e.Meta, (uint)FrameFlags.NoDirectMap);
        bool wasMapped = (old & (uint)FrameFlags.NoDirectMap) == 0;
        if (wasMapped == mapped)
        {
            return false;
        }

        _removed += mapped ? -1 : 1;
        return true;
    }
}
