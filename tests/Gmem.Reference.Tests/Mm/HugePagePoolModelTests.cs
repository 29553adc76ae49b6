using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

/// <summary>The huge-page pool against a plain model: free and reserved counts, reservations, split pieces.</summary>
public class HugePagePoolModelTests
{
    private const int Pages = 4;

    private sealed class Reservation
    {
        public required HugePageReservation Real { get; init; }

        public int InUse { get; set; }

        public bool Disposed { get; set; }
    }

    private sealed class Huge
    {
        public required Folio Folio { get; init; }

        public required FrameOwner Owner { get; init; }

        public Reservation? From { get; init; }

        public HashSet<ulong>? Pieces { get; set; }
    }

    [Fact]
    public void RandomOperations_MatchModel_AndEverythingIsFreeAtTheEnd()
    {
        ModelCheck.Run(kinds: 9, maxTests: 100, ops =>
        {
            using MemoryManager mm = TestMemory.Create(memoryMiB: 2, huge2M: Pages);
            var reservations = new List<Reservation>();
            var huge = new List<Huge>();
            int free = Pages;
            int reserved = 0;

            void Returned(Huge h)
            {
                huge.Remove(h);
                free++;
                if (h.From is not null)
                {
                    h.From.InUse--;
                    if (!h.From.Disposed)
                    {
                        reserved++;
                    }
                }
            }

            foreach (ModelCheck.Op op in ops)
            {
                string step = op.ToString();
                Huge? target = huge.Count > 0 ? huge[op.A % huge.Count] : null;
                ulong piece = (ulong)(op.B % 512);
                switch (op.Kind)
                {
                    case 0:
                    {
                        int n = op.B % 3;
                        if (free - reserved >= n)
                        {
                            reservations.Add(new Reservation { Real = mm.HugePages.Reserve(Folio.Order2M, n, FrameOwner.New(FrameOwnerKind.GuestMemfd)) });
                            reserved += n;
                        }
                        else
                        {
                            GmemException e = Assert.Throws<GmemException>(() => mm.HugePages.Reserve(Folio.Order2M, n, TestMemory.Owner()));
                            Assert.Equal(Errno.ENOMEM, e.Errno);
                        }

                        break;
                    }

                    case 1 when reservations.Count > 0:
                    {
                        Reservation r = reservations[op.A % reservations.Count];
                        bool expected = !r.Disposed && r.InUse < r.Real.Pages;
                        Assert.True(expected == r.Real.TryAllocate(out Folio folio), $"{step}: allocation from a reservation of {r.Real.Pages} with {r.InUse} in use.");
                        if (expected)
                        {
                            huge.Add(new Huge { Folio = folio, Owner = r.Real.Owner, From = r });
                            r.InUse++;
                            reserved--;
                            free--;
                        }

                        break;
                    }

                    case 2:
                    {
                        FrameOwner owner = TestMemory.Owner();
                        bool expected = free - reserved > 0;
                        Assert.True(expected == mm.HugePages.TryAllocate(Folio.Order2M, owner, out Folio folio), $"{step}: unreserved allocation with {free} free, {reserved} reserved.");
                        if (expected)
                        {
                            huge.Add(new Huge { Folio = folio, Owner = owner });
                            free--;
                        }

                        break;
                    }

                    case 3 when target is { Pieces: null }:
                        mm.Free(target.Folio);
                        Returned(target);
                        break;

                    case 4 when target is { Pieces: null }:
                        mm.HugePages.Split(target.Folio);
                        target.Pieces = [.. Enumerable.Range(0, 512).Select(i => (ulong)i)];
                        break;

                    case 5 when target is { Pieces: not null } && target.Pieces.Contains(piece):
                        mm.Free(new Folio(target.Folio.Head + piece, 0));
                        target.Pieces.Remove(piece);
                        if (target.Pieces.Count == 0)
                        {
                            Returned(target);
                        }

                        break;

                    case 6 when target is { Pieces: not null } && !target.Pieces.Contains(piece):
                        Assert.False(mm.HugePages.TryAllocatePiece(target.Folio.Head + piece, TestMemory.Owner(), out _), $"{step}: a stranger refills a piece.");
                        Assert.True(mm.HugePages.TryAllocatePiece(target.Folio.Head + piece, target.Owner, out Folio refilled), $"{step}: the owner refills a piece.");
                        Assert.Equal(new Folio(target.Folio.Head + piece, 0), refilled);
                        target.Pieces.Add(piece);
                        break;

                    case 7 when target is { Pieces: not null }:
                    {
                        bool expected = target.Pieces.Count == 512;
                        Assert.True(expected == mm.HugePages.TryMerge(target.Folio.Head, out Folio merged), $"{step}: merge with {target.Pieces.Count} pieces.");
                        if (expected)
                        {
                            Assert.Equal(target.Folio, merged);
                            target.Pieces = null;
                        }

                        break;
                    }

                    case 8 when reservations.Count > 0:
                    {
                        Reservation r = reservations[op.A % reservations.Count];
                        r.Real.Dispose();
                        if (!r.Disposed)
                        {
                            reserved -= r.Real.Pages - r.InUse;
                            r.Disposed = true;
                        }

                        break;
                    }
                }

                Assert.True(free == mm.HugePages.FreePages(Folio.Order2M), $"{step}: free pages.");
                Assert.True(reserved == mm.HugePages.ReservedPages(Folio.Order2M), $"{step}: reserved pages.");
                Assert.All(reservations, r => Assert.Equal(r.InUse, r.Real.InUse));
                ModelCheck.AssertMatches(
                    mm,
                    huge.SelectMany(h => h.Pieces is null
                        ? [(h.Folio, h.Owner)]
                        : h.Pieces.Select(p => (new Folio(h.Folio.Head + p, 0), h.Owner))),
                    step);
            }

            foreach (Huge h in huge.ToList())
            {
                if (h.Pieces is null)
                {
                    mm.Free(h.Folio);
                }
                else
                {
                    foreach (ulong p in h.Pieces)
                    {
                        mm.Free(new Folio(h.Folio.Head + p, 0));
                    }
                }
            }

            reservations.ForEach(r => r.Real.Dispose());
            Assert.Equal(0, mm.HugePages.ReservedPages(Folio.Order2M));
            TestMemory.AssertAllFree(mm);
        });
    }
}
