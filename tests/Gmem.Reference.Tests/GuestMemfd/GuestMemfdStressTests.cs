using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>
/// Host writers, guest lookups, punch holes and map/unmap racing on one file (bounded: 2 s and a fixed
/// number of iterations per thread). Nothing may crash, every access ends as data or a documented error,
/// and after everything is disposed every frame is free and the memory invariants hold.
/// </summary>
public sealed class GuestMemfdStressTests
{
    private const int Pages = 32;
    private const long Pg = Page.Size;

    [Fact]
    public async Task HostGuestPunchMap_Race_NoLeakNoCrash()
    {
        using var host = new ReferenceTestHost();
        MemoryManager mm = host.Hypervisor.Frames.Mm;
        ulong freeAtStart = mm.FreeFrames;
        var deadline = DateTime.UtcNow.AddSeconds(2);
        long operations = 0;
        using (var vm = host.CreateVm())
        {
            IGuestMemfd gmem = vm.CreateGuestMemfd(Pages * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
            GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, Pages * (ulong)Pg);
            HostMapping map = gmem.Map(0, Pages * Pg);
            Task Run(int seed, Action<Random> body) => Task.Run(() =>
            {
                var random = new Random(seed);
                for (int i = 0; i < 20_000 && DateTime.UtcNow < deadline; i++)
                {
                    body(random);
                    Interlocked.Increment(ref operations);
                }
            });
            Task[] tasks =
            [
                Run(1, r =>
                {
                    int page = r.Next(Pages);
                    map.Write(page * Pg, [(byte)page]);
                    var one = new byte[1];
                    map.Read(page * Pg + 1, one);
                    Assert.Equal(0, one[0]);
                }),
                Run(2, r => Assert.True(binding.TryGetPfn(new Gfn((ulong)r.Next(Pages)), out _, out _, out _), "lookup")),
                Run(3, r => gmem.Fallocate(FallocateMode.PunchHole, r.Next(Pages) * Pg, Pg * r.Next(1, 4))),
                Run(4, r =>
                {
                    using HostMapping extra = gmem.Map(r.Next(Pages - 1) * Pg, 2 * Pg);
                    var one = new byte[1];
                    extra.Read(Pg + 1, one);
                    Assert.Equal(0, one[0]);
                }),
            ];
            await Task.WhenAll(tasks);
            Assert.Empty(mm.CheckInvariants());
            map.Dispose();
            gmem.Dispose();
        }
        Assert.True(operations > 100, $"the threads ran ({operations} operations)");
        Assert.Equal(freeAtStart, mm.FreeFrames);
        Assert.Empty(mm.CheckInvariants());
    }
}
