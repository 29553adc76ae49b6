using Gmem.Vmm.Conversions;

namespace Gmem.Vmm.Tests.Conversions;

public class ConversionServiceTests
{
    private const ulong P = Page.Size;

    /// <summary>Per-page private flags over 64 pages; can be told to refuse a page, like in-place conversion's EAGAIN.</summary>
    private sealed class FakeBackend(List<string> log) : IConversionBackend
    {
        public bool[] Private { get; } = new bool[64];

        public ulong? RefusePage { get; set; }

        public void Convert(GpaRange range, bool toPrivate)
        {
            for (ulong page = range.Start.Value / P; page < range.End.Value / P; page++)
            {
                if (page == RefusePage)
                {
                    throw new GmemException("KVM_SET_MEMORY_ATTRIBUTES2", Errno.EAGAIN, errorOffset: (long)(page * P));
                }
            }
            for (ulong page = range.Start.Value / P; page < range.End.Value / P; page++)
            {
                Private[page] = toPrivate;
            }
            log.Add($"convert {range} {(toPrivate ? "private" : "shared")}");
        }

        public IReadOnlyList<GpaRange> Pending(GpaRange range, bool toPrivate)
        {
            var parts = new List<GpaRange>();
            for (ulong page = range.Start.Value / P; page < range.End.Value / P; page++)
            {
                if (Private[page] == toPrivate)
                {
                    continue;
                }
                var one = new GpaRange(new Gpa(page * P), P);
                if (parts.Count > 0 && parts[^1].End == one.Start)
                {
                    parts[^1] = parts[^1] with { Length = parts[^1].Length + P };
                }
                else
                {
                    parts.Add(one);
                }
            }
            return parts;
        }
    }

    private sealed class RecordingListener(List<string> log) : IConversionListener
    {
        public void BeforePrivate(GpaRange range) => log.Add($"before-private {range}");

        public void AfterShared(GpaRange range) => log.Add($"after-shared {range}");
    }

    private static (ConversionService Service, FakeBackend Backend, List<string> Log) Create()
    {
        var log = new List<string>();
        var backend = new FakeBackend(log);
        var service = new ConversionService(backend, "test");
        service.AddListener(new RecordingListener(log));
        return (service, backend, log);
    }

    private static GpaRange Pages(ulong first, ulong count) => new(new Gpa(first * P), count * P);

    [Fact]
    public void Merge_AdjacentSameDirection_BecomesOneBatch()
    {
        var merged = ConversionService.Merge(
        [
            new ConversionRequest(Pages(4, 2), true),
            new ConversionRequest(Pages(0, 4), true),
            new ConversionRequest(Pages(8, 1), true),
            new ConversionRequest(Pages(6, 2), false),
        ]);

        Assert.Equal(
        [
            new ConversionRequest(Pages(0, 6), true),
            new ConversionRequest(Pages(6, 2), false),
            new ConversionRequest(Pages(8, 1), true),
        ], merged);
    }

    [Fact]
    public void Convert_ToPrivate_ListenersDropBeforePlatformConverts()
    {
        var (service, backend, log) = Create();

        service.Convert([new ConversionRequest(Pages(2, 2), true)]);

        Assert.Equal(["before-private [0x2000, 0x4000)", "convert [0x2000, 0x4000) private"], log);
        Assert.True(backend.Private[2] && backend.Private[3]);
        Assert.Equal(1, service.Batches);
        Assert.Equal(2, service.PagesConverted);
    }

    [Fact]
    public void Convert_ToShared_ListenersGetRangeAfterPlatformConverts()
    {
        var (service, backend, log) = Create();
        backend.Private[5] = true;

        service.Convert([new ConversionRequest(Pages(5, 1), false)]);

        Assert.Equal(["convert [0x5000, 0x6000) shared", "after-shared [0x5000, 0x6000)"], log);
        Assert.False(backend.Private[5]);
    }

    [Fact]
    public void Convert_AlreadyInState_IsANoOp()
    {
        var (service, _, log) = Create();

        service.Convert([new ConversionRequest(Pages(0, 4), false)]);

        Assert.Empty(log);
        Assert.Equal(1, service.NoOps);
        Assert.Equal(0, service.Batches);
    }

    [Fact]
    public void Convert_FailureMidBatch_UndoesExactlyWhatChanged()
    {
        var (service, backend, log) = Create();
        backend.Private[1] = true;             // already private: must stay private after the undo
        backend.RefusePage = 9;

        var e = Assert.Throws<GmemException>(() => service.Convert(
        [
            new ConversionRequest(Pages(0, 4), true),
            new ConversionRequest(Pages(8, 2), true),
        ]));

        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(9 * (long)P, e.ErrorOffset);
        Assert.Equal([false, true, false, false], backend.Private[..4]);
        Assert.False(backend.Private[8]);
        Assert.Equal(0, service.PagesConverted);
        // The refused range's listeners got their range back; the undone ranges were handed back too.
        Assert.Contains("after-shared [0x8000, 0xa000)", log);
        Assert.Contains("after-shared [0x2000, 0x4000)", log);
        Assert.Contains("after-shared [0x0, 0x1000)", log);
    }

    [Fact]
    public void TryHandle_MemoryFault_ConvertsThePageToTheAccessKind()
    {
        var (service, backend, _) = Create();

        bool handled = service.TryHandle(new VcpuExit.MemoryFault(new Gpa(7 * P), P, VcpuExit.MemoryFault.FlagPrivate, Errno.EFAULT));

        Assert.True(handled);
        Assert.True(backend.Private[7]);
        Assert.False(backend.Private[6] || backend.Private[8]);
    }

    [Fact]
    public void TryHandle_SameFaultRepeating_Throws()
    {
        var (service, _, _) = Create();
        var fault = new VcpuExit.MemoryFault(new Gpa(3 * P), P, VcpuExit.MemoryFault.FlagPrivate, Errno.EFAULT);

        var e = Assert.Throws<GmemException>(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                service.TryHandle(fault);
            }
        });

        Assert.Equal(Errno.EFAULT, e.Errno);
        Assert.Contains("repeated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryHandle_PoisonedPageFault_IsNotConverted()
    {
        var (service, backend, _) = Create();

        var e = Assert.Throws<GmemException>(() =>
            service.TryHandle(new VcpuExit.MemoryFault(new Gpa(3 * P), P, VcpuExit.MemoryFault.FlagPrivate, Errno.EHWPOISON)));

        Assert.Equal(Errno.EHWPOISON, e.Errno);
        Assert.False(backend.Private[3]);
    }

    [Theory]
    [InlineData(0x1000UL, 2UL, ConversionService.MapGpaRangeEncrypted, 0L)]
    [InlineData(0x1001UL, 2UL, ConversionService.MapGpaRangeEncrypted, ConversionService.KvmEinval)]
    [InlineData(0x1000UL, 0UL, 0UL, ConversionService.KvmEinval)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 2UL, 0UL, ConversionService.KvmEinval)]
    [InlineData(0x9000UL, 1UL, ConversionService.MapGpaRangeEncrypted, ConversionService.KvmEfault)]
    public void TryHandle_MapGpaRange_SetsGuestReturnValue(ulong gpa, ulong pages, ulong attributes, long expectedRet)
    {
        var (service, backend, _) = Create();
        backend.RefusePage = 9;
        var call = new VcpuExit.Hypercall(VcpuExit.Hypercall.MapGpaRange, [gpa, pages, attributes, 0, 0, 0], 1);

        Assert.True(service.TryHandle(call));

        Assert.Equal(expectedRet, call.Ret);
        Assert.Equal(expectedRet == 0, backend.Private[1] && backend.Private[2]);
    }

    [Fact]
    public void TryHandle_OtherExit_IsNotHandled()
    {
        var (service, _, log) = Create();

        Assert.False(service.TryHandle(VcpuExit.Hlt.Instance));
        Assert.False(service.TryHandle(new VcpuExit.Hypercall(1, new ulong[6], 1)));
        Assert.Empty(log);
    }
}
