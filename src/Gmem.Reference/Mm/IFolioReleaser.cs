namespace Gmem.Reference.Mm;

/// <summary>Where a folio goes when its last reference is put: the buddy allocator or the huge-page pool.</summary>
internal interface IFolioReleaser
{
    /// <summary>Takes back <paramref name="folio"/>, whose reference count just reached zero.</summary>
    void ReleaseFolio(Folio folio);
}
