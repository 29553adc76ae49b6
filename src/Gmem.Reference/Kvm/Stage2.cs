// Stage2 — the secondary page table of one VM (the kernel's TDP MMU / EPT).
//
// Data model: a radix tree of Stage2Table nodes, 512 entries each, 9 gfn bits per level, six levels
// (depth 0 = 4 KiB entries … depth 5; 54 bits ≥ the 52-bit gfn of a 64-bit GPA). An entry is a
// packed ulong (present, leaf, private, writable, level, pfn) plus, for a table entry, the child node.
// Leaves live at depth 0 (4 KiB), 1 (2 MiB) or 2 (1 GiB). A leaf's pfn and gfn are aligned to its size.
//
// Operations: TryTranslate (the hardware walk, under the mmu lock held for READ by guest accesses),
// MapLocked (install a leaf; a table in the way is replaced — the huge-page recovery of a fault),
// ZapLocked (remove leaves in a range, with a kind filter, splitting larger leaves that are only
// partly covered), FlushTlbLocked (counts flushes; a zap marks one pending).
//
// Locking: every mutation runs under the VM's mmu lock held for WRITE; TryTranslate and enumeration
// under READ (or WRITE). The table does not take the lock itself; it asserts it.
using Gmem.Diagnostics;
using System.Diagnostics;

namespace Gmem.Reference.Kvm;

/// <summary>The secondary MMU page table (see file header).</summary>
internal sealed class Stage2
{
    /// <summary>Number of levels in the tree.</summary>
    public const int Depth = 6;

    private readonly ReaderWriterLockSlim _mmuLock;
    private readonly Stage2Table _root = new(Depth - 1);
    private readonly long[] _leaves = new long[3];
    private long _tables = 1;
    private long _tlbFlushes;
    private long _splits;
    private bool _flushPending;

    /// <summary>Creates an empty table guarded by <paramref name="mmuLock"/>.</summary>
    public Stage2(ReaderWriterLockSlim mmuLock)
    {
        _mmuLock = mmuLock;
    }

    /// <summary>Number of TLB flushes issued.</summary>
    public long TlbFlushes => Volatile.Read(ref _tlbFlushes);

    /// <summary>Number of large leaves split by partial zaps.</summary>
    public long Splits => Volatile.Read(ref _splits);

    /// <summary>Number of table nodes (page-table pages).</summary>
    public long Tables => Volatile.Read(ref _tables);

    /// <summary>Number of leaves of <paramref name="level"/>.</summary>
    public long LeafCount(MappingLevel level) => Volatile.Read(ref _leaves[(int)level]);

    /// <summary>
    /// The hardware walk: the leaf covering <paramref name="gfn"/>, if any. Caller holds the mmu lock
    /// (read for guest accesses).
    /// </summary>
    public bool TryTranslate(Gfn gfn, out Stage2Leaf leaf)
    {
        Debug.Assert(_mmuLock.IsReadLockHeld || _mmuLock.IsWriteLockHeld, "TryTranslate needs the mmu lock.");
        Stage2Table node = _root;
        while (true)
        {
            int index = IndexAt(gfn.Value, node.Level);
            ulong entry = node.Entries[index];
            if (!Stage2Entry.IsPresent(entry))
            {
                leaf = default;
                return false;
            }
            if (Stage2Entry.IsLeaf(entry))
            {
                leaf = Stage2Entry.ToLeaf(entry, gfn.Value & ~(Stage2Leaf.PagesAt((MappingLevel)node.Level) - 1));
                return true;
            }
            node = node.Children![index]!;
        }
    }

    /// <summary>
    /// Installs <paramref name="leaf"/>. A table in its place (smaller leaves of the same block) is
    /// replaced; an existing leaf covering it is left alone and the call returns false.
    /// </summary>
    public bool MapLocked(Stage2Leaf leaf)
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "MapLocked needs the mmu lock for write.");
        ulong pages = leaf.Pages;
        Debug.Assert((leaf.Gfn.Value & (pages - 1)) == 0 && (leaf.Pfn.Value & (pages - 1)) == 0, "A leaf is aligned to its size.");
        int target = (int)leaf.Level;
        Stage2Table node = _root;
        while (node.Level > target)
        {
            int index = IndexAt(leaf.Gfn.Value, node.Level);
            ulong entry = node.Entries[index];
            if (Stage2Entry.IsPresent(entry) && Stage2Entry.IsLeaf(entry))
            {
                return false;
            }
            if (!Stage2Entry.IsPresent(entry))
            {
                node.SetChild(index, new Stage2Table(node.Level - 1));
                _tables++;
            }
            node = node.Children![index]!;
        }
        int slot = IndexAt(leaf.Gfn.Value, node.Level);
        ulong old = node.Entries[slot];
        if (Stage2Entry.IsPresent(old))
        {
            if (Stage2Entry.IsLeaf(old))
            {
                return false;
            }
            // Huge-page recovery: the smaller leaves of this block go, the block leaf comes.
            DropSubtree(node.Children![slot]!);
            node.ClearEntry(slot);
            _flushPending = true;
            GmemMetrics.Add(GmemMetrics.Merges, 1, "reference", "what", "stage2-leaf");
        }
        node.SetLeaf(slot, Stage2Entry.FromLeaf(leaf));
        _leaves[target]++;
        return true;
    }

    /// <summary>
    /// Removes every leaf in [start, end) whose kind passes <paramref name="filter"/> (null = all).
    /// A larger leaf only partly inside is split first, so the part outside stays mapped.
    /// Returns the number of leaves removed and marks a TLB flush pending when it is not zero.
    /// </summary>
    public long ZapLocked(Gfn start, Gfn end, MappingKind? filter = null)
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "ZapLocked needs the mmu lock for write.");
        if (start >= end)
        {
            return 0;
        }
        long removed = Zap(_root, 0, start.Value, end.Value, filter);
        if (removed > 0)
        {
            _flushPending = true;
        }
        return removed;
    }

    /// <summary>Flushes the (modelled) TLBs if a zap left stale translations; counts it.</summary>
    public void FlushTlbLocked()
    {
        Debug.Assert(_mmuLock.IsWriteLockHeld, "FlushTlbLocked needs the mmu lock for write.");
        if (_flushPending)
        {
            _flushPending = false;
            Interlocked.Increment(ref _tlbFlushes);
        }
    }

    /// <summary>Every leaf in gfn order (caller holds the mmu lock).</summary>
    public List<Stage2Leaf> Leaves()
    {
        Debug.Assert(_mmuLock.IsReadLockHeld || _mmuLock.IsWriteLockHeld, "Leaves needs the mmu lock.");
        var result = new List<Stage2Leaf>();
        Collect(_root, 0, result);
        return result;
    }

    private long Zap(Stage2Table node, ulong nodeBase, ulong start, ulong end, MappingKind? filter)
    {
        int shift = 9 * node.Level;
        ulong span = 1UL << shift;
        ulong nodeEnd = node.Level == Depth - 1 ? ulong.MaxValue : nodeBase + (span << 9);
        ulong from = Math.Max(start, nodeBase);
        ulong to = Math.Min(end, nodeEnd);
        if (from >= to)
        {
            return 0;
        }
        int first = (int)((from - nodeBase) >> shift);
        int last = (int)((to - 1 - nodeBase) >> shift);
        long removed = 0;
        for (int i = first; i <= last && node.Present > 0; i++)
        {
            ulong entry = node.Entries[i];
            if (!Stage2Entry.IsPresent(entry))
            {
                continue;
            }
            ulong entryStart = nodeBase + ((ulong)i << shift);
            ulong entryEnd = entryStart + span;
            if (Stage2Entry.IsLeaf(entry))
            {
                if (filter is { } kind && Stage2Entry.Kind(entry) != kind)
                {
                    continue;
                }
                if (start <= entryStart && entryEnd <= end)
                {
                    node.ClearEntry(i);
                    _leaves[node.Level]--;
                    removed++;
                    continue;
                }
                Split(node, i);
            }
            Stage2Table child = node.Children![i]!;
            removed += Zap(child, entryStart, start, end, filter);
            if (child.Present == 0)
            {
                node.ClearEntry(i);
                _tables--;
            }
        }
        return removed;
    }

    // Replaces the large leaf at node[i] by a table of 512 leaves one level down (same pfns).
    private void Split(Stage2Table node, int i)
    {
        ulong entry = node.Entries[i];
        int childLevel = node.Level - 1;
        var child = new Stage2Table(childLevel);
        ulong childPages = 1UL << (9 * childLevel);
        for (int j = 0; j < 512; j++)
        {
            child.SetLeaf(j, Stage2Entry.WithLevel(entry, childLevel, (ulong)j * childPages));
        }
        _leaves[node.Level]--;
        _leaves[childLevel] += 512;
        _tables++;
        _splits++;
        GmemMetrics.Add(GmemMetrics.Splits, 1, "reference", "what", "stage2-leaf");
        node.ClearEntry(i);
        node.SetChild(i, child);
    }

    private void DropSubtree(Stage2Table node)
    {
        for (int i = 0; i < 512; i++)
        {
            ulong entry = node.Entries[i];
            if (!Stage2Entry.IsPresent(entry))
            {
                continue;
            }
            if (Stage2Entry.IsLeaf(entry))
            {
                _leaves[node.Level]--;
            }
            else
            {
                DropSubtree(node.Children![i]!);
            }
        }
        _tables--;
    }

    private static void Collect(Stage2Table node, ulong nodeBase, List<Stage2Leaf> result)
    {
        int shift = 9 * node.Level;
        for (int i = 0; i < 512; i++)
        {
            ulong entry = node.Entries[i];
            if (!Stage2Entry.IsPresent(entry))
            {
                continue;
            }
            ulong entryStart = nodeBase + ((ulong)i << shift);
            if (Stage2Entry.IsLeaf(entry))
            {
                result.Add(Stage2Entry.ToLeaf(entry, entryStart));
            }
            else
            {
                Collect(node.Children![i]!, entryStart, result);
            }
        }
    }

    private static int IndexAt(ulong gfn, int level) => (int)((gfn >> (9 * level)) & 511);
}
