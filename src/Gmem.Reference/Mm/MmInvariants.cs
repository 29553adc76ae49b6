// MmInvariants: the memory-management part of ARCHITECTURE.md's invariants, for InvariantChecker and
// the property tests. Run while no other thread changes the memory manager.
//   2 (part): a frame removed from the direct map is never free in the buddy allocator (it would be
//             handed out with no kernel mapping) — removal is for allocated private frames.
//   3: an exclusively pinned frame has exactly one pin; no normal pin coexists with it.
//   4: every allocated frame has exactly one owner (its folio's), free frames have none; the free lists
//      and pool counters agree with the frame table; a folio's references >= its frames' pins.
namespace Gmem.Reference.Mm;

/// <summary>Checks of the memory-management invariants.</summary>
internal static class MmInvariants
{
    public static IReadOnlyList<string> Check(MemoryManager mm)
    {
        var problems = new List<string>();
        mm.Allocator.CheckFreeLists(problems);
        mm.HugePages.CheckPool(problems);
        FrameTable frames = mm.Frames;
        ulong allocatedFrames = 0;
        ulong poolFreeFrames = 0;
        ulong i = 0;
        while (i < frames.Frames && problems.Count < 50)
        {
            ref FrameEntry e = ref frames.EntryAt(i);
            Pfn frame = frames.First + i;
            if ((e.Flags & FrameFlags.Head) != 0)
            {
                var folio = new Folio(frame, e.Order);
                var owner = new FrameOwner(e.OwnerKind, e.OwnerId);
                if ((frame.Value & (folio.Frames - 1)) != 0 || folio.End > frames.End)
                {
                    problems.Add($"{folio} is misaligned or leaves the arena.");
                    break;
                }

                if (!FrameTable.IsAllocatedKind(owner.Kind) || e.RefCount <= 0)
                {
                    problems.Add($"{folio} is a head with owner {owner} and refcount {e.RefCount}.");
                }

                long pins = 0;
                for (ulong f = 0; f < folio.Frames; f++)
                {
                    ref FrameEntry t = ref frames.EntryAt(i + f);
                    if (f > 0 && ((t.Flags & (FrameFlags.Head | FrameFlags.Buddy)) != 0 || t.Order != folio.Order))
                    {
                        problems.Add($"Frame {frame + f} of {folio} has flags {t.Flags} and order {t.Order}.");
                    }

                    if (t.OwnerKind != owner.Kind || t.OwnerId != owner.Id)
                    {
                        problems.Add($"Frame {frame + f} of {folio} is owned by {t.OwnerKind}#{t.OwnerId}, its folio by {owner}.");
                    }

                    uint word = t.PinState;
                    if (PinWord.IsExclusive(word) && PinWord.Count(word) != 1)
                    {
                        problems.Add($"Frame {frame + f} holds an exclusive pin and {PinWord.Count(word) - 1} other pins.");
                    }

                    if (PinWord.LongtermCount(word) > PinWord.Count(word))
                    {
                        problems.Add($"Frame {frame + f} has more long-term pins than pins.");
                    }

                    pins += PinWord.Count(word);
                }

                if (e.RefCount < pins + ((e.Flags & FrameFlags.Orphan) != 0 ? 0 : 1))
                {
                    problems.Add($"{folio} has refcount {e.RefCount} but {pins} pins (orphan: {(e.Flags & FrameFlags.Orphan) != 0}).");
                }

                allocatedFrames += folio.Frames;
                i += folio.Frames;
                continue;
            }

            if ((e.Flags & FrameFlags.Buddy) != 0)
            {
                for (ulong f = 0; f < 1UL << e.Order; f++)
                {
                    if ((frames.EntryAt(i + f).Flags & FrameFlags.NoDirectMap) != 0)
                    {
                        problems.Add($"Free frame {frame + f} is not in the direct map.");
                        break;
                    }
                }

                i += 1UL << e.Order;
                continue;
            }

            if (e.OwnerKind == FrameOwnerKind.HugePagePool)
            {
                poolFreeFrames++;
            }

            if (FrameTable.IsAllocatedKind(e.OwnerKind) || e.RefCount != 0 || e.PinState != 0)
            {
                problems.Add($"Frame {frame} belongs to no folio but has owner {e.OwnerKind}#{e.OwnerId}, refcount {e.RefCount}, pins {e.PinState:x}.");
            }

            i++;
        }

        // Free pool frames include the free pieces of split huge pages, which FreeFrames does not count.
        if (problems.Count == 0 && allocatedFrames + mm.Allocator.FreeFrames + poolFreeFrames != mm.TotalFrames)
        {
            problems.Add($"{allocatedFrames} allocated + {mm.Allocator.FreeFrames} buddy-free + {poolFreeFrames} pool-free frames != {mm.TotalFrames} total.");
        }

        return problems;
    }
}
