using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

/// <summary>The buddy allocator against a plain model: a list of live folios with their reference counts.</summary>
public class PageAllocatorModelTests
{
    private sealed class Live
    {
        public required Folio Folio { get; init; }

        public required FrameOwner Owner { get; init; }

        public int Extra { get; set; }

        public bool Freed { get; set; }
    }

    [Fact]
    public void RandomOperations_MatchModel_AndEverythingIsFreeAtTheEnd()
    {
        ModelCheck.Run(kinds: 5, maxTests: 150, ops =>
        {
            using MemoryManager mm = TestMemory.Create(memoryMiB: 2);
            FrameOwner[] owners = [TestMemory.Owner(), TestMemory.Owner()];
            var live = new List<Live>();
            ulong used = 0;
            foreach (ModelCheck.Op op in ops)
            {
                string step = op.ToString();
                switch (op.Kind)
                {
                    case 0 or 1:
                    {
                        int order = op.A % 8;
                        FrameOwner owner = owners[op.B % 2];
                        if (mm.Allocator.TryAllocate(order, owner, out Folio folio))
                        {
                            Assert.Equal(0UL, folio.Head.Value & (folio.Frames - 1));
                            live.Add(new Live { Folio = folio, Owner = owner });
                            used += folio.Frames;
                        }
                        else
                        {
                            // Failure is allowed only when no block of that order or larger is free.
                            for (int o = order; o <= PageAllocator.MaxOrder; o++)
                            {
                                Assert.True(mm.Allocator.FreeBlocks(o) == 0, $"{step}: order {order} failed with a free order-{o} block.");
                            }
                        }

                        break;
                    }

                    case 2 when live.Count > 0:
                    {
                        Live victim = live[op.A % live.Count];
                        if (!victim.Freed)
                        {
                            mm.Allocator.Free(victim.Folio);
                            victim.Freed = true;
                        }

                        break;
                    }

                    case 3 when live.Count > 0:
                    {
                        Live target = live[op.A % live.Count];
                        Assert.True(mm.Frames.TryGet(target.Folio), $"{step}: a live folio can be got.");
                        target.Extra++;
                        break;
                    }

                    case 4 when live.Count > 0:
                    {
                        Live target = live[op.A % live.Count];
                        if (target.Extra > 0)
                        {
                            mm.Frames.Put(target.Folio);
                            target.Extra--;
                        }

                        break;
                    }
                }

                // A folio whose owner freed it and whose last extra reference is gone is back in the allocator.
                foreach (Live gone in live.Where(l => l.Freed && l.Extra == 0).ToList())
                {
                    live.Remove(gone);
                    used -= gone.Folio.Frames;
                }

                Assert.Equal(mm.Allocator.TotalFrames - used, mm.Allocator.FreeFrames);
                ModelCheck.AssertMatches(mm, live.Select(l => (l.Folio, l.Owner)), step);
            }

            foreach (Live l in live)
            {
                if (!l.Freed)
                {
                    mm.Free(l.Folio);
                }

                for (; l.Extra > 0; l.Extra--)
                {
                    mm.Frames.Put(l.Folio);
                }
            }

            TestMemory.AssertAllFree(mm);
        });
    }
}
