using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>What a guest memory file tells bound VMs (spec §3): begin, one range per binding, end.</summary>
public sealed class GuestMemfdInvalidationTests
{
    private const long Pg = Page.Size;

    private static (RecordingInvalidationTarget Recorder, GuestMemfdFile File) Record(IGuestMemfd gmem)
    {
        GuestMemfdFile file = ReferenceTestHost.FileOf(gmem);
        var recorder = new RecordingInvalidationTarget(file.InvalidationTarget);
        file.InvalidationTarget = recorder;
        return (recorder, file);
    }

    [Fact]
    public void Punch_AcrossTwoBindings_OneBeginTwoRangesOneEnd()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(8 * Pg, GuestMemfdFlags.None);
        ReferenceTestHost.Bind(vm, gmem, 0x1000, 0, 4 * (ulong)Pg);
        ReferenceTestHost.Bind(vm, gmem, 0x2000, 4 * (ulong)Pg, 4 * (ulong)Pg);
        (RecordingInvalidationTarget recorder, _) = Record(gmem);
        gmem.Fallocate(FallocateMode.PunchHole, 2 * Pg, 4 * Pg);
        Assert.Equal(["begin", "range 1002-1004 Private", "range 2000-2002 Private", "end"], recorder.Calls);
    }

    [Fact]
    public void Punch_UnboundRangeOrBeyondEof_NoInvalidation()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(8 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        ReferenceTestHost.Bind(vm, gmem, 0x1000, 0, 2 * (ulong)Pg);
        (RecordingInvalidationTarget recorder, _) = Record(gmem);
        gmem.Fallocate(FallocateMode.PunchHole, 4 * Pg, 4 * Pg);
        gmem.Fallocate(FallocateMode.PunchHole, 8 * Pg, 4 * Pg);
        Assert.Empty(recorder.Calls);
        gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
        Assert.Equal(["begin", "range 1000-1001 Shared", "end"], recorder.Calls);
    }

    [Fact]
    public void Poison_BoundPage_BeginRangeEnd()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x40, 0, 4 * (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0x42), out _, out _, out _), "populate page 2");
        (RecordingInvalidationTarget recorder, GuestMemfdFile file) = Record(gmem);
        Assert.True(file.Poison(new PageIndex(2)), "poison");
        Assert.Equal(["begin", "range 42-43 All", "end"], recorder.Calls);
    }

    [Fact]
    public void Release_ZapsEveryBindingAndKillsThem()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(8 * Pg, GuestMemfdFlags.None);
        GmemBinding a = ReferenceTestHost.Bind(vm, gmem, 0x1000, 0, 2 * (ulong)Pg);
        GmemBinding b = ReferenceTestHost.Bind(vm, gmem, 0x3000, 6 * (ulong)Pg, 2 * (ulong)Pg);
        (RecordingInvalidationTarget recorder, _) = Record(gmem);
        gmem.Dispose();
        Assert.Equal(["begin", "range 1000-1002 Private", "range 3000-3002 Private", "end"], recorder.Calls);
        Assert.Null(a.File);
        Assert.Null(b.File);
    }

    [Fact]
    public void Release_NoBindings_NoInvalidation()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(8 * Pg, GuestMemfdFlags.None);
        (RecordingInvalidationTarget recorder, _) = Record(gmem);
        gmem.Dispose();
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public async Task ConcurrentPunchesAndLookups_BeginsAndEndsBalance()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(64 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0, 0, 64 * (ulong)Pg);
        (RecordingInvalidationTarget recorder, _) = Record(gmem);
        var deadline = DateTime.UtcNow.AddSeconds(2);
        var tasks = Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            for (int i = 0; i < 2000 && DateTime.UtcNow < deadline; i++)
            {
                int page = random.Next(64);
                if (t == 0)
                {
                    gmem.Fallocate(FallocateMode.PunchHole, page * Pg, Pg);
                }
                else
                {
                    Assert.True(binding.TryGetPfn(new Gfn((ulong)page), out _, out _, out _), "lookup");
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        Assert.Equal(0, recorder.Depth);
        Assert.Equal(recorder.Calls.Count(c => c == "begin"), recorder.Calls.Count(c => c == "end"));
    }
}
