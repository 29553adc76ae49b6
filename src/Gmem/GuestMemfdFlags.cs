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

    // Reference-only until the kernel has them; the in-flight series have no final bit values, so these
    // sit at the top of the word where no upstream flag will land first (docs/compatibility.md).

    /// <summary>Reference only: frames leave the kernel direct map while private and come back when freed.</summary>
    NoDirectMap = 1UL << 60,
    /// <summary>Reference only: the file is backed by 2 MiB folios from the huge-page pool.</summary>
    Hugetlb2M = 1UL << 61,
    /// <summary>Reference only: the file is backed by 1 GiB folios from the huge-page pool.</summary>
    Hugetlb1G = 1UL << 62,
}
