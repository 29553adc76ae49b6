namespace Gmem.Reference.Kvm;

/// <summary>Whether a stage-2 leaf maps a guest_memfd page as private, or a shared page.</summary>
internal enum MappingKind
{
    /// <summary>Shared: the host mapping behind userspace_addr, or a gmem-only slot's page.</summary>
    Shared = 0,

    /// <summary>Private: a guest_memfd page reached through GetPfn.</summary>
    Private = 1,
}
