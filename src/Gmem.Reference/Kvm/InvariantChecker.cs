// InvariantChecker — the ARCHITECTURE.md invariants of the hypervisor half, checked against the live
// state of one VM (run after every step of the stress and property tests; a violation is a string).
//
//   1  every stage-2 leaf lies in a memslot; its kind equals the attribute of each gfn it maps; a
//      private (or gmem-only) leaf maps exactly the frames of the bound, live guest memory file pages
//      (not a hole, not poisoned); a shared leaf maps the frame of the host page behind userspace_addr;
//   4  (at quiescent points, CheckFrameOwnership) every allocated frame has exactly one owner in the
//      frame table, and the users of guest-memory-file and anonymous frames match those owners;
//   5  a 2 MiB / 1 GiB leaf lies in one memslot with its backing congruent to the block, maps one
//      folio, and covers gfns of uniform attributes;
//   6  the invalidation witness log saw no install that ignored an overlapping invalidation.
//
// Locking: takes the VM's slots lock, then (model B) the invalidation lock of every bound file with
// per-file attributes for reading, then the mmu lock for write (no memslot or attribute change,
// no install and no zap while it looks), then the inode's page-cache lock through Lookup. The host
// page tables are read before and after (the mmap lock ranks above the mmu lock): a shared leaf is
// valid if either snapshot maps its frame at its address.
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Kvm;

/// <summary>Checks invariants 1, 4, 5 and 6 of one Reference VM (see file header).</summary>
internal sealed class InvariantChecker
{
    private const int MaxReports = 20;
    private readonly Vm _vm;

    /// <summary>Creates a checker for <paramref name="vm"/>.</summary>
    public InvariantChecker(Vm vm)
    {
        _vm = vm;
    }

    /// <summary>Number of leaves examined by the last <see cref="Check"/>.</summary>
    public int LeavesChecked { get; private set; }

    /// <summary>Checks invariants 1, 5 and 6; returns the violations (empty when all hold).</summary>
    public List<string> Check()
    {
        var violations = new List<string>();
        VmCore core = _vm.Core;
        Dictionary<ulong, Pfn> before = HostPages();
        List<Stage2Leaf> leaves;
        var suspects = new List<(ulong HostPage, Pfn Frame, string Message)>();
        lock (core.SlotsLock)
        {
            // Model B attributes are read under each file's invalidation lock, which ranks above the mmu lock.
            GuestMemfdInode[] inodes = [.. core.Slots.Slots.Select(s => s.Binding?.File?.Inode)
                .OfType<GuestMemfdInode>().Where(i => i.HasPerFileAttributes).Distinct().OrderBy(i => i.Number)];
            foreach (GuestMemfdInode inode in inodes)
            {
                inode.InvalidateLock.EnterReadLock();
            }
            try
            {
                CheckLeavesLocked(core, before, violations, suspects, out leaves);
            }
            finally
            {
                foreach (GuestMemfdInode inode in inodes)
                {
                    inode.InvalidateLock.ExitReadLock();
                }
            }
        }
        LeavesChecked = leaves.Count;
        if (suspects.Count > 0)
        {
            // A shared leaf whose host page was installed while we looked gets a second chance.
            Dictionary<ulong, Pfn> after = HostPages();
            foreach ((ulong hostPage, Pfn frame, string message) in suspects)
            {
                if (!after.TryGetValue(hostPage, out Pfn now) || now != frame)
                {
                    violations.Add(message);
                }
            }
        }
        long stale = core.Mmu.Log.Violations;
        if (stale != 0)
        {
            violations.Add($"invariant 6: {stale} installs ignored an overlapping invalidation.");
        }
        return violations;
    }

    /// <summary>
    /// Invariant 4 at a quiescent point: every allocated frame has exactly one owner in the frame table;
    /// the folios of <paramref name="files"/> and the anonymous host pages are disjoint, are allocated to
    /// an owner of their kind, and account for every frame the frame table gives to those kinds.
    /// </summary>
    public List<string> CheckFrameOwnership(IEnumerable<GuestMemfdFile> files)
    {
        var violations = new List<string>();
        var claimed = new Dictionary<ulong, string>();
        var table = new Dictionary<ulong, FrameOwnerKind>();
        foreach (AllocatedFolio allocated in _vm.Hypervisor.Frames.Mm.Frames.EnumerateAllocated())
        {
            if (allocated.Owner.IsNone)
            {
                violations.Add($"invariant 4: {allocated.Folio} is allocated without an owner.");
            }
            for (ulong i = 0; i < allocated.Folio.Frames; i++)
            {
                table[allocated.Folio.Head.Value + i] = allocated.Owner.Kind;
            }
        }
        foreach (GuestMemfdFile file in files)
        {
            foreach (GmemFolio folio in file.Inode.Folios())
            {
                for (ulong i = 0; i < folio.Folio.Frames; i++)
                {
                    Claim(claimed, table, folio.Folio.Head.Value + i, FrameOwnerKind.GuestMemfd, $"gmem inode {file.Inode.Number} {folio.FirstPage}", violations);
                }
            }
        }
        foreach ((Hva address, Pfn frame, bool anonymous) in _vm.Host.AddressSpace.MappedFrames())
        {
            if (anonymous)
            {
                Claim(claimed, table, frame.Value, FrameOwnerKind.Anonymous, $"anonymous page at {address}", violations);
            }
        }
        int owned = table.Count(e => e.Value is FrameOwnerKind.GuestMemfd or FrameOwnerKind.Anonymous);
        if (owned != claimed.Count)
        {
            violations.Add($"invariant 4: the frame table gives {owned} frames to guest memory files and anonymous memory, but {claimed.Count} are in use.");
        }
        return violations;
    }

    private static void CheckLeavesLocked(VmCore core, Dictionary<ulong, Pfn> hostPages, List<string> violations,
        List<(ulong HostPage, Pfn Frame, string Message)> suspects, out List<Stage2Leaf> leaves)
    {
        core.MmuLock.EnterWriteLock();
        try
        {
            leaves = core.Stage2.Leaves();
            foreach (Stage2Leaf leaf in leaves)
            {
                CheckLeaf(core, leaf, hostPages, violations, suspects);
                if (violations.Count >= MaxReports)
                {
                    break;
                }
            }
        }
        finally
        {
            core.MmuLock.ExitWriteLock();
        }
    }

    private static void CheckLeaf(VmCore core, Stage2Leaf leaf, Dictionary<ulong, Pfn> hostPages, List<string> violations,
        List<(ulong HostPage, Pfn Frame, string Message)> suspects)
    {
        Memslot? slot = core.Slots.Find(leaf.Gfn);
        if (slot is null || leaf.End > slot.End)
        {
            violations.Add($"invariant 1/5: {Describe(leaf)} is not inside one memslot.");
            return;
        }
        bool isPrivate = leaf.Kind == MappingKind.Private;
        MemoryAttributes expected = isPrivate ? MemoryAttributes.Private : MemoryAttributes.None;
        if (!core.Attributes.Store.IsUniform(leaf.Gfn, leaf.End, expected))
        {
            violations.Add($"invariant 1/5: {Describe(leaf)} does not match the attributes of every gfn it maps.");
        }
        if (isPrivate || slot.IsGmemOnly)
        {
            CheckGmemLeaf(slot, leaf, violations);
        }
        else
        {
            for (ulong i = 0; i < leaf.Pages; i++)
            {
                Hva hva = slot.HvaOf(leaf.Gfn + i);
                if (!hostPages.TryGetValue(hva.Value >> Page.Shift, out Pfn frame) || frame != leaf.Pfn + i)
                {
                    suspects.Add((hva.Value >> Page.Shift, leaf.Pfn + i, $"invariant 1: {Describe(leaf)} page {i} is not the host page at {hva}."));
                    return;
                }
            }
        }
    }

    private static void CheckGmemLeaf(Memslot slot, Stage2Leaf leaf, List<string> violations)
    {
        GuestMemfdFile? file = slot.Binding?.File;
        if (file is null)
        {
            violations.Add($"invariant 1: {Describe(leaf)} maps a dead or missing binding of {slot}.");
            return;
        }
        PageIndex first = slot.IndexOf(leaf.Gfn);
        if (leaf.Level != MappingLevel.Page4K && (first.Value & (leaf.Pages - 1)) != 0)
        {
            violations.Add($"invariant 5: {Describe(leaf)} starts at {first}, not aligned to the block.");
        }
        GmemFolio? folio = null;
        for (ulong i = 0; i < leaf.Pages; i++)
        {
            PageIndex index = first + i;
            if (folio is null || index < folio.FirstPage || index >= folio.FirstPage + folio.Folio.Frames)
            {
                GmemFolio? next = file.Inode.Lookup(index);
                if (next is null)
                {
                    violations.Add($"invariant 1: {Describe(leaf)} maps {index}, which is a hole (a freed frame).");
                    return;
                }
                if (folio is not null && leaf.Level != MappingLevel.Page4K)
                {
                    violations.Add($"invariant 5: {Describe(leaf)} spans more than one folio.");
                }
                folio = next;
            }
            if (folio.FrameOf(index) != leaf.Pfn + i)
            {
                violations.Add($"invariant 1: {Describe(leaf)} page {i} maps {leaf.Pfn + i}, but {index} is {folio.FrameOf(index)}.");
                return;
            }
            if (folio.IsPoisoned(index))
            {
                violations.Add($"invariant 1: {Describe(leaf)} maps poisoned {index}.");
                return;
            }
        }
    }

    private Dictionary<ulong, Pfn> HostPages()
    {
        var pages = new Dictionary<ulong, Pfn>();
        foreach ((Hva address, Pfn frame, bool _) in _vm.Host.AddressSpace.MappedFrames())
        {
            pages[address.Value >> Page.Shift] = frame;
        }
        return pages;
    }

    private static void Claim(Dictionary<ulong, string> claimed, Dictionary<ulong, FrameOwnerKind> table, ulong frame,
        FrameOwnerKind kind, string owner, List<string> violations)
    {
        if (!claimed.TryAdd(frame, owner))
        {
            violations.Add($"invariant 4: frame 0x{frame:x} is used by {claimed[frame]} and by {owner}.");
        }
        if (!table.TryGetValue(frame, out FrameOwnerKind actual) || actual != kind)
        {
            violations.Add($"invariant 4: frame 0x{frame:x} used by {owner} is {(table.ContainsKey(frame) ? "owned by " + actual : "free")} in the frame table.");
        }
    }

    private static string Describe(Stage2Leaf leaf) => $"{leaf.Kind} {leaf.Level} leaf {leaf.Gfn.Gpa}→{leaf.Pfn}";
}
