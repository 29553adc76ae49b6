using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

/// <summary>Pins against a plain model: per frame, the list of pins held; folios freed while pinned become orphans.</summary>
public class PinsModelTests
{
    private static readonly PinFlags[] s_kinds = [PinFlags.None, PinFlags.Longterm, PinFlags.Exclusive, PinFlags.Exclusive | PinFlags.Longterm];

    private sealed class Slot
    {
        public Folio Folio { get; set; }

        public bool Allocated { get; set; }

        public bool Orphan { get; set; }

        public List<PinFlags>[] Held { get; } = [[], []];

        public int Released { get; set; }

        public int PinTotal => Held.Sum(h => h.Count);
    }

    [Fact]
    public void RandomOperations_FollowTheRules_AndEverythingIsFreeAtTheEnd()
    {
        ModelCheck.Run(kinds: 7, maxTests: 150, ops =>
        {
            using MemoryManager mm = TestMemory.Create(memoryMiB: 2);
            FrameOwner owner = TestMemory.Owner();
            Slot[] slots = [new(), new(), new()];
            foreach (Slot s in slots)
            {
                s.Folio = mm.Allocator.Allocate(1, owner);
                s.Allocated = true;
            }

            foreach (ModelCheck.Op op in ops)
            {
                Slot slot = slots[op.A % slots.Length];
                int index = op.B % 2;
                Pfn frame = slot.Folio.Head + (ulong)index;
                List<PinFlags> held = slot.Held[index];
                string step = op.ToString();
                bool live = slot.Allocated && !slot.Orphan;
                switch (op.Kind)
                {
                    case 0 when live:
                    {
                        PinFlags flags = s_kinds[(op.B / 2) % 4];
                        bool allowed = flags.HasFlag(PinFlags.Exclusive) ? held.Count == 0 : !held.Any(f => f.HasFlag(PinFlags.Exclusive));
                        Assert.True(allowed == mm.Pins.TryPin(frame, flags), $"{step}: pin {flags} with [{string.Join(",", held)}] held.");
                        if (allowed)
                        {
                            held.Add(flags);
                        }

                        break;
                    }

                    case 1 when held.Count > 0:
                    {
                        PinFlags flags = held[(op.B / 2) % held.Count];
                        Assert.True(mm.Pins.Unpin(frame, flags), $"{step}: unpin of a held {flags} pin.");
                        held.Remove(flags);
                        break;
                    }

                    case 2 when slot.Allocated && slot.Released > 0 && !held.Any(f => f.HasFlag(PinFlags.Exclusive)):
                        Assert.False(mm.Pins.Unpin(frame, PinFlags.Exclusive), $"{step}: unpin of a released exclusive pin.");
                        slot.Released--;
                        break;

                    case 3 when slot.Allocated:
                    {
                        int exclusive = held.Count(f => f.HasFlag(PinFlags.Exclusive));
                        Assert.Equal(exclusive, mm.Pins.ReleaseExclusiveOnShare(frame, 1));
                        held.RemoveAll(f => f.HasFlag(PinFlags.Exclusive));
                        slot.Released += exclusive;
                        break;
                    }

                    case 4 when live:
                    {
                        int exclusive = slot.Held.Sum(h => h.Count(f => f.HasFlag(PinFlags.Exclusive)));
                        Assert.Equal(exclusive, mm.Pins.ReleaseExclusiveOnFree(slot.Folio));
                        Array.ForEach(slot.Held, h => h.RemoveAll(f => f.HasFlag(PinFlags.Exclusive)));
                        slot.Released += exclusive;
                        mm.Free(slot.Folio);
                        slot.Orphan = true;
                        break;
                    }

                    case 5 when !slot.Allocated:
                        slot.Folio = mm.Allocator.Allocate(1, owner);
                        slot.Allocated = true;
                        slot.Orphan = false;
                        break;

                    case 6 when slot.Allocated && held.Count == 0:
                        Assert.Throws<InvalidOperationException>(() => mm.Pins.Unpin(frame, PinFlags.None));
                        break;
                }

                if (slot.Orphan && slot.PinTotal == 0)
                {
                    slot.Allocated = false;
                    slot.Orphan = false;
                    slot.Released = 0;
                }

                foreach (Slot s in slots.Where(s => s.Allocated))
                {
                    for (int i = 0; i < 2; i++)
                    {
                        FrameInfo info = mm.Frames.GetInfo(s.Folio.Head + (ulong)i);
                        Assert.True(s.Held[i].Count == info.PinCount, $"{step}: pin count of {info.Frame}.");
                        Assert.Equal(s.Held[i].Any(f => f.HasFlag(PinFlags.Exclusive)), info.ExclusivelyPinned);
                        Assert.Equal(s.Held[i].Count(f => f.HasFlag(PinFlags.Longterm)), info.LongtermPinCount);
                    }

                    Assert.Equal(s.PinTotal + (s.Orphan ? 0 : 1), mm.Frames.GetInfo(s.Folio.Head).RefCount);
                }

                ModelCheck.AssertMatches(mm, slots.Where(s => s.Allocated).Select(s => (s.Folio, owner)), step);
            }

            foreach (Slot s in slots.Where(s => s.Allocated))
            {
                for (int i = 0; i < 2; i++)
                {
                    s.Held[i].ForEach(f => mm.Pins.Unpin(s.Folio.Head + (ulong)i, f));
                }

                if (!s.Orphan)
                {
                    mm.Free(s.Folio);
                }
            }

            TestMemory.AssertAllFree(mm);
        });
    }
}
