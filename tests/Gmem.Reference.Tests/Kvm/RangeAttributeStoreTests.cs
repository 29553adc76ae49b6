using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class RangeAttributeStoreTests
{
    private const MemoryAttributes P = MemoryAttributes.Private;
    private readonly RangeAttributeStore _store = new();

    private void Set(ulong start, ulong end, MemoryAttributes attributes) =>
        _store.Commit(_store.Prepare(new Gfn(start), new Gfn(end), attributes));

    [Fact]
    public void Get_Fresh_Shared()
    {
        Assert.Equal(MemoryAttributes.None, _store.Get(new Gfn(123)));
        Assert.True(_store.IsUniform(new Gfn(0), new Gfn(ulong.MaxValue), MemoryAttributes.None));
    }

    [Fact]
    public void Set_OneTebibytePrivate_OneRun()
    {
        Set(0, 1UL << 28, P);
        Assert.Single(_store.Ranges);
        Assert.Equal(P, _store.Get(new Gfn((1UL << 28) - 1)));
        Assert.Equal(MemoryAttributes.None, _store.Get(new Gfn(1UL << 28)));
    }

    [Fact]
    public void Set_HoleInsidePrivate_SplitsIntoTwoRuns()
    {
        Set(0, 1024, P);
        Set(512, 513, MemoryAttributes.None);
        Assert.Equal([new AttributeRange(new Gfn(0), new Gfn(512), P), new AttributeRange(new Gfn(513), new Gfn(1024), P)], _store.Ranges);
        Assert.False(_store.IsUniform(new Gfn(0), new Gfn(1024), P));
        Assert.False(_store.IsUniform(new Gfn(0), new Gfn(1024)));
        Assert.True(_store.IsUniform(new Gfn(512), new Gfn(513), MemoryAttributes.None));
        Assert.False(_store.IsUniform(new Gfn(511), new Gfn(513), MemoryAttributes.None));
    }

    [Fact]
    public void Set_HoleFilledAgain_MergesBackToOneRun()
    {
        Set(0, 1024, P);
        Set(512, 513, MemoryAttributes.None);
        Set(512, 513, P);
        Assert.Equal([new AttributeRange(new Gfn(0), new Gfn(1024), P)], _store.Ranges);
        Assert.True(_store.IsUniform(new Gfn(0), new Gfn(1024), P));
    }

    [Fact]
    public void Set_SpanningSeveralRuns_ReplacesThem()
    {
        Set(0, 10, P);
        Set(20, 30, P);
        Set(40, 50, P);
        Set(5, 45, MemoryAttributes.None);
        Assert.Equal([new AttributeRange(new Gfn(0), new Gfn(5), P), new AttributeRange(new Gfn(45), new Gfn(50), P)], _store.Ranges);
        Set(5, 45, P);
        Assert.Equal([new AttributeRange(new Gfn(0), new Gfn(50), P)], _store.Ranges);
    }

    [Fact]
    public void Prepare_NotCommitted_Invisible()
    {
        IAttributeUpdate update = _store.Prepare(new Gfn(0), new Gfn(8), P);
        Assert.Equal(MemoryAttributes.None, _store.Get(new Gfn(0)));
        _store.Commit(update);
        Assert.Equal(P, _store.Get(new Gfn(0)));
    }

    [Fact]
    public void Set_RandomSequence_MatchesPerPageModel()
    {
        var random = new Random(1234);
        var model = new MemoryAttributes[256];
        for (int step = 0; step < 2000; step++)
        {
            int start = random.Next(256);
            int end = random.Next(start + 1, 257);
            MemoryAttributes value = random.Next(2) == 0 ? P : MemoryAttributes.None;
            Set((ulong)start, (ulong)end, value);
            Array.Fill(model, value, start, end - start);
            int probe = random.Next(256);
            Assert.Equal(model[probe], _store.Get(new Gfn((ulong)probe)));
            int qs = random.Next(256);
            int qe = random.Next(qs + 1, 257);
            bool uniform = model.AsSpan(qs, qe - qs).IndexOfAnyExcept(model[qs]) < 0;
            Assert.Equal(uniform, _store.IsUniform(new Gfn((ulong)qs), new Gfn((ulong)qe)));
        }
    }
}
