namespace Gmem.Reference.GuestMemfd;

/// <summary>Which stage-2 mappings an invalidation targets (spec §3 property 6; KVM_FILTER_*).</summary>
[Flags]
internal enum GmemInvalidationFilter
{
    /// <summary>Private mappings (gmem files without INIT_SHARED).</summary>
    Private = 1,

    /// <summary>Shared mappings (INIT_SHARED files: their pages are mapped as shared by gmem-only slots).</summary>
    Shared = 2,

    /// <summary>Both kinds (release, poison).</summary>
    All = Private | Shared,
}
