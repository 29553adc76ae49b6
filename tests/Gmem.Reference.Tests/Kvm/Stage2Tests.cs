using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class Stage2Tests
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly Stage2 _table;

    public Stage2Tests()
    {
        _table = new Stage2(_lock);
        _lock.EnterWriteLock();
    }

    private static Stage2Leaf Leaf(ulong gfn, ulong pfn, MappingLevel level, MappingKind kind = MappingKind.Private) =>
        new(new Gfn(gfn), new Pfn(pfn), level, kind, Writable: true);

    [Fact]
    public void TryTranslate_Empty_Miss()
    {
        Assert.False(_table.TryTranslate(new Gfn(0x1234), out _));
    }

    [Fact]
    public void MapLocked_4K_TranslatesOnlyThatPage()
    {
        Assert.True(_table.MapLocked(Leaf(0x1000, 77, MappingLevel.Page4K)));
        Assert.True(_table.TryTranslate(new Gfn(0x1000), out Stage2Leaf leaf));
        Assert.Equal(new Pfn(77), leaf.Pfn);
        Assert.False(_table.TryTranslate(new Gfn(0x1001), out _));
        Assert.Equal(1, _table.LeafCount(MappingLevel.Page4K));
    }

    [Fact]
    public void MapLocked_2M_CoversBlock()
    {
        Assert.True(_table.MapLocked(Leaf(512 * 3, 512 * 7, MappingLevel.Block2M)));
        Assert.True(_table.TryTranslate(new Gfn(512 * 3 + 17), out Stage2Leaf leaf));
        Assert.Equal(MappingLevel.Block2M, leaf.Level);
        Assert.Equal(new Gfn(512 * 3), leaf.Gfn);
        Assert.False(_table.MapLocked(Leaf(512 * 3 + 1, 1, MappingLevel.Page4K)), "A page under a block leaf is already mapped.");
    }

    [Fact]
    public void MapLocked_BlockOverSmallLeaves_ReplacesThem()
    {
        _table.MapLocked(Leaf(0, 512, MappingLevel.Page4K));
        _table.MapLocked(Leaf(5, 517, MappingLevel.Page4K));
        Assert.True(_table.MapLocked(Leaf(0, 512, MappingLevel.Block2M)));
        Assert.Equal(0, _table.LeafCount(MappingLevel.Page4K));
        Assert.Equal(1, _table.LeafCount(MappingLevel.Block2M));
        _table.FlushTlbLocked();
        Assert.Equal(1, _table.TlbFlushes);
    }

    [Fact]
    public void ZapLocked_OnePageOf2M_SplitsAndKeepsTheRest()
    {
        _table.MapLocked(Leaf(512, 1024, MappingLevel.Block2M));
        long removed = _table.ZapLocked(new Gfn(512 + 10), new Gfn(512 + 11));
        Assert.Equal(1, removed);
        Assert.Equal(1, _table.Splits);
        Assert.Equal(511, _table.LeafCount(MappingLevel.Page4K));
        Assert.Equal(0, _table.LeafCount(MappingLevel.Block2M));
        Assert.False(_table.TryTranslate(new Gfn(512 + 10), out _));
        Assert.True(_table.TryTranslate(new Gfn(512 + 11), out Stage2Leaf leaf));
        Assert.Equal(new Pfn(1024 + 11), leaf.Pfn);
        Assert.Equal(MappingLevel.Page4K, leaf.Level);
    }

    [Fact]
    public void ZapLocked_OnePageOf1G_SplitsTwice()
    {
        const ulong G = 1UL << 18;
        _table.MapLocked(Leaf(G, 2 * G, MappingLevel.Block1G));
        _table.ZapLocked(new Gfn(G + 1000), new Gfn(G + 1001));
        Assert.Equal(511, _table.LeafCount(MappingLevel.Block2M));
        Assert.Equal(511, _table.LeafCount(MappingLevel.Page4K));
        Assert.True(_table.TryTranslate(new Gfn(G + G - 1), out Stage2Leaf leaf));
        Assert.Equal(MappingLevel.Block2M, leaf.Level);
        Assert.Equal(new Gfn(2 * G - 512), leaf.Gfn);
        Assert.Equal(new Pfn(3 * G - 512), leaf.Pfn);
    }

    [Fact]
    public void ZapLocked_KindFilter_LeavesOtherKind()
    {
        _table.MapLocked(Leaf(1, 1, MappingLevel.Page4K, MappingKind.Private));
        _table.MapLocked(Leaf(2, 2, MappingLevel.Page4K, MappingKind.Shared));
        Assert.Equal(1, _table.ZapLocked(new Gfn(0), new Gfn(10), MappingKind.Shared));
        Assert.True(_table.TryTranslate(new Gfn(1), out _));
        Assert.False(_table.TryTranslate(new Gfn(2), out _));
    }

    [Fact]
    public void ZapLocked_Everything_FreesTables()
    {
        _table.MapLocked(Leaf(0x123456, 1, MappingLevel.Page4K));
        Assert.True(_table.Tables > 1);
        _table.ZapLocked(new Gfn(0), new Gfn(1UL << 52));
        Assert.Equal(1, _table.Tables);
        Assert.Empty(_table.Leaves());
    }

    [Fact]
    public void FlushTlbLocked_NothingZapped_NotCounted()
    {
        _table.ZapLocked(new Gfn(0), new Gfn(100));
        _table.FlushTlbLocked();
        Assert.Equal(0, _table.TlbFlushes);
    }
}
