namespace Gmem;

/// <summary>Flags of <c>KVM_CREATE_GUEST_MEMFD</c>.</summary>
[Flags]
public enum GuestMemfdFlags : ulong
{
    /// <summary>No flag: the file cannot be mapped by the host.</summary>
    None = 0,
    /// <summary>GUEST_MEMFD_FLAG_MMAP (6.18): the file can be mmap-ed; memslots bound to it are gmem-only.</summary>
    Mmap = 1UL << 0,
    /// <summary>GUEST_MEMFD_FLAG_INIT_SHARED (6.18): pages start shared, so host user faults succeed.</summary>
    InitShared = 1UL << 1,
}
