using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>
/// Random operation sequences on a guest memory file against a plain model of the page state machine
/// (HOLE / ALLOCATED / READY(value) / POISONED): allocate, punch, host write and read, guest lookup,
/// poison. After every step the file's pages, their content and the frame accounting match the model.
/// </summary>
public sealed class GuestMemfdModelTests
{
    private const int Pages = 16;
    private const long Pg = Page.Size;

    private enum State
    {
        Hole,
        Allocated,
        Ready,
        Poisoned,
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomOperations_MatchTheModel(int seed)
    {
        using var host = new ReferenceTestHost();
        MemoryManager mm = host.Hypervisor.Frames.Mm;
        ulong freeAtStart = mm.FreeFrames;
        var random = new Random(seed);
        var state = new State[Pages];
        var value = new byte[Pages];
        using (var vm = host.CreateVm())
        using (IGuestMemfd gmem = vm.CreateGuestMemfd(Pages * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared))
        using (HostMapping map = gmem.Map(0, Pages * Pg))
        {
            GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x1000, 0, Pages * (ulong)Pg);
            GuestMemfdFile file = ReferenceTestHost.FileOf(gmem);
            var one = new byte[1];
            for (int step = 0; step < 400; step++)
            {
                int first = random.Next(Pages);
                int count = random.Next(1, Math.Min(4, Pages - first) + 1);
                switch (random.Next(6))
                {
                    case 0:
                        gmem.Fallocate(FallocateMode.Allocate, first * Pg, count * Pg);
                        for (int i = first; i < first + count; i++)
                        {
                            state[i] = state[i] == State.Hole ? State.Allocated : state[i];
                        }
                        break;
                    case 1:
                        gmem.Fallocate(FallocateMode.PunchHole, first * Pg, count * Pg);
                        for (int i = first; i < first + count; i++)
                        {
                            state[i] = State.Hole;
                            value[i] = 0;
                        }
                        break;
                    case 2:
                        byte v = (byte)random.Next(1, 256);
                        if (state[first] == State.Poisoned)
                        {
                            Assert.Throws<HostAccessFault>(() => map.Write(first * Pg + 7, [v]));
                        }
                        else
                        {
                            map.Write(first * Pg + 7, [v]);
                            state[first] = State.Ready;
                            value[first] = v;
                        }
                        break;
                    case 3:
                        bool found = binding.TryGetPfn(new Gfn(0x1000 + (ulong)first), out Pfn pfn, out int order, out Errno error);
                        if (state[first] == State.Poisoned)
                        {
                            Assert.False(found, "poisoned lookup fails");
                            Assert.Equal(Errno.EHWPOISON, error);
                        }
                        else
                        {
                            Assert.True(found, "lookup");
                            Assert.Equal(0, order);
                            state[first] = State.Ready;
                            host.Hypervisor.Frames.Read(pfn, 7, one);
                            Assert.Equal(value[first], one[0]);
                        }
                        break;
                    case 4:
                        bool poisoned = file.Poison(new PageIndex((ulong)first));
                        Assert.Equal(state[first] != State.Hole, poisoned);
                        if (poisoned)
                        {
                            state[first] = State.Poisoned;
                        }
                        break;
                    default:
                        if (state[first] == State.Poisoned)
                        {
                            Assert.Throws<HostAccessFault>(() => map.Read(first * Pg + 7, one));
                        }
                        else
                        {
                            map.Read(first * Pg + 7, one);
                            Assert.Equal(value[first], one[0]);
                            state[first] = State.Ready;
                        }
                        break;
                }
                for (int i = 0; i < Pages; i++)
                {
                    GmemFolio? folio = file.Inode.Lookup(new PageIndex((ulong)i));
                    Assert.Equal(state[i] == State.Hole, folio is null);
                    if (folio is not null)
                    {
                        Assert.Equal(state[i] == State.Poisoned, folio.IsPoisoned(new PageIndex((ulong)i)));
                        if (state[i] != State.Poisoned)
                        {
                            Assert.Equal(state[i] == State.Ready, folio.IsUptodate);
                        }
                    }
                }
                int allocated = state.Count(s => s != State.Hole);
                Assert.Equal(allocated, file.Inode.FolioCount);
                Assert.Equal(freeAtStart - (ulong)allocated, mm.FreeFrames);
            }
        }
        Assert.Equal(freeAtStart, mm.FreeFrames);
        Assert.Empty(mm.CheckInvariants());
    }
}
