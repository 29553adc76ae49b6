// What a VMM (or a test) may look at inside a Reference VM without reaching into its internals: the
// stage-2 leaves with their attributes, which private pages some host page table reaches (invariant 2),
// the invariant checker, and the launch-time populate of private memory (SNP_LAUNCH_UPDATE /
// TDX_INIT_MEM_REGION go through kvm_gmem_populate, spec §2.16).
//
// Locking: each call takes the VM's slots lock, then the mmu lock for reading, as the fault path does.
using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Kvm;

namespace Gmem.Reference;

/// <summary>Read-only views of a Reference VM, and populate.</summary>
public static class ReferenceInspector
{
    /// <summary>
    /// Guest memory in [<paramref name="start"/>, +<paramref name="length"/>) as stage 2 maps it: every leaf, with
    /// the unmapped gaps between them as runs of one attribute.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="vm"/> is not a Reference VM.</exception>
    public static IReadOnlyList<ReferenceMapping> Mappings(IVirtualMachine vm, Gpa start, ulong length)
    {
        VmCore core = Core(vm);
        var result = new List<ReferenceMapping>();
        List<Stage2Leaf> leaves;
        lock (core.SlotsLock)
        {
            core.MmuLock.EnterReadLock();
            try
            {
                leaves = core.Stage2.Leaves();
            }
            finally
            {
                core.MmuLock.ExitReadLock();
            }
            Gfn cursor = start.Gfn, end = (start + length).Gfn;
            foreach (Stage2Leaf leaf in leaves.Where(l => l.End > start.Gfn && l.Gfn < end))
            {
                AddUnmapped(core, result, cursor, leaf.Gfn < cursor ? cursor : leaf.Gfn);
                Gfn from = leaf.Gfn < cursor ? cursor : leaf.Gfn, to = leaf.End > end ? end : leaf.End;
                result.Add(new ReferenceMapping(from.Gpa, (to - from) << Page.Shift, leaf.Kind == MappingKind.Private, Stage2Leaf.PagesAt(leaf.Level) << Page.Shift));
                cursor = to;
            }
            AddUnmapped(core, result, cursor, end);
        }
        return result;
    }

    /// <summary>
    /// The private guest pages that some page table entry of the host process reaches (ARCHITECTURE.md
    /// invariant 2): empty while the host cannot see private memory.
    /// </summary>
    public static IReadOnlyList<Gfn> HostVisiblePrivatePages(IVirtualMachine vm)
    {
        VmCore core = Core(vm);
        var mapped = new HashSet<Pfn>(((Vm)vm).Host.AddressSpace.MappedFrames().Select(m => m.Frame));
        var visible = new List<Gfn>();
        lock (core.SlotsLock)
        {
            foreach (Memslot slot in core.Slots.Slots)
            {
                if (slot.Binding is not { File: GuestMemfdFile file } binding)
                {
                    continue;
                }
                foreach (GmemFolio folio in file.Inode.Folios())
                {
                    for (ulong i = 0; i < 1UL << folio.Order; i++)
                    {
                        PageIndex index = folio.FirstPage + i;
                        if (index < binding.Start || index >= binding.End || !mapped.Contains(folio.FrameOf(index)))
                        {
                            continue;
                        }
                        Gfn gfn = binding.GfnOf(index);
                        bool isPrivate = file.Inode.HasPerFileAttributes ? !file.Inode.IsShared(index) : core.Attributes.IsPrivate(gfn);
                        if (isPrivate)
                        {
                            visible.Add(gfn);
                        }
                    }
                }
            }
        }
        return visible;
    }

    /// <summary>Runs the invariant checker (ARCHITECTURE.md invariants 1, 5 and 6) on the VM; returns the violations.</summary>
    public static IReadOnlyList<string> CheckInvariants(IVirtualMachine vm)
    {
        _ = Core(vm);
        return new InvariantChecker((Vm)vm).Check();
    }

    /// <summary>
    /// Loads <paramref name="source"/> (whole pages) into the private guest memory at <paramref name="start"/>
    /// through the slot's guest memory file, as a confidential VM's launch does (spec §2.16): the pages must be
    /// private and become up to date with this content. Returns the pages loaded.
    /// </summary>
    /// <exception cref="GmemException">EINVAL: no gmem slot there, a page is shared, or the source is not whole pages.</exception>
    public static long Populate(IVirtualMachine vm, Gpa start, ReadOnlySpan<byte> source)
    {
        VmCore core = Core(vm);
        if (!start.IsPageAligned || source.Length == 0 || source.Length % Page.Size != 0)
        {
            throw new GmemException("populate", Errno.EINVAL, $"Populate needs a page-aligned address and whole pages, not {start} + {source.Length} bytes.");
        }
        lock (core.SlotsLock)
        {
            long pages = source.Length / Page.Size, done = 0;
            while (done < pages)
            {
                Gfn gfn = start.Gfn + (ulong)done;
                Memslot slot = core.Slots.Find(gfn) ?? throw new GmemException("populate", Errno.EINVAL, $"No memslot holds {gfn.Gpa}.");
                GmemBinding binding = slot.Binding ?? throw new GmemException("populate", Errno.EINVAL, $"{slot} has no guest memory file.");
                done += GuestMemfdFile.Populate(binding, gfn, source[(int)(done * Page.Size)..], pages - done,
                    g => binding.File!.Inode.HasPerFileAttributes ? !binding.File.Inode.IsShared(binding.IndexOf(g)) : core.Attributes.IsPrivate(g));
            }
            return done;
        }
    }

    private static void AddUnmapped(VmCore core, List<ReferenceMapping> result, Gfn from, Gfn to)
    {
        for (Gfn gfn = from; gfn < to;)
        {
            bool isPrivate = core.Attributes.IsPrivate(gfn);
            Gfn run = gfn + 1;
            while (run < to && core.Attributes.IsPrivate(run) == isPrivate)
            {
                run += 1;
            }
            result.Add(new ReferenceMapping(gfn.Gpa, (run - gfn) << Page.Shift, isPrivate, 0));
            gfn = run;
        }
    }

    private static VmCore Core(IVirtualMachine vm) =>
        (vm as Vm)?.Core ?? throw new ArgumentException("Not a VM of the Reference platform.", nameof(vm));
}
