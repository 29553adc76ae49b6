// One entry of a guest memory file's page cache: a folio of 2^Order frames holding file pages
// [Index << Order, (Index + 1) << Order).
//
// Data model: up-to-date is per folio (the kernel's folio_mark_uptodate: a huge folio is zeroed as a
// whole the first time any of it is used, so a huge stage-2 leaf never exposes stale frames); poison is
// per page (a memory error hits one frame); DirectMapRemoved says the frames left the direct map
// (NoDirectMap files, while private).
//
// Locking: fields change under the owning inode's page-cache lock, or with its invalidation lock held
// exclusively; readers hold either.

using Gmem.Reference.Mm;

namespace Gmem.Reference.GuestMemfd;

/// <summary>A folio in a <see cref="GuestMemfdInode"/>'s page cache.</summary>
internal sealed class GmemFolio
{
    private ulong[]? _poisoned;
    private volatile bool _uptodate;

    /// <summary>Creates an entry for <paramref name="folio"/> at folio index <paramref name="index"/>.</summary>
    public GmemFolio(Folio folio, ulong index)
    {
        Folio = folio;
        Index = index;
    }

    /// <summary>The frames.</summary>
    public Folio Folio { get; }

    /// <summary>The folio index (file page index >> order).</summary>
    public ulong Index { get; }

    /// <summary>log2 of the frames in the folio.</summary>
    public int Order => Folio.Order;

    /// <summary>The first file page of the folio.</summary>
    public PageIndex FirstPage => new(Index << Order);

    /// <summary>Whether the contents are defined (zeroed or written); false right after allocation. Set after the zeroing (volatile), so a lock-free true is safe.</summary>
    public bool IsUptodate
    {
        get => _uptodate;
        set => _uptodate = value;
    }

    /// <summary>Whether the frames were removed from the direct map.</summary>
    public bool DirectMapRemoved { get; set; }

    /// <summary>Whether any page of the folio is poisoned.</summary>
    public bool HasPoison => _poisoned is not null;

    /// <summary>The frame that holds file page <paramref name="index"/>.</summary>
    public Pfn FrameOf(PageIndex index) => Folio.Head + (index - FirstPage);

    /// <summary>Whether file page <paramref name="index"/> is poisoned.</summary>
    public bool IsPoisoned(PageIndex index)
    {
        if (_poisoned is null)
        {
            return false;
        }
        ulong bit = index - FirstPage;
        return (_poisoned[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
    }

    /// <summary>Marks file page <paramref name="index"/> poisoned.</summary>
    public void SetPoisoned(PageIndex index)
    {
        ulong bit = index - FirstPage;
        _poisoned ??= new ulong[Math.Max(1UL, Folio.Frames >> 6)];
        _poisoned[bit >> 6] |= 1UL << (int)(bit & 63);
    }
}
