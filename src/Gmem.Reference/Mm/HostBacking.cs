namespace Gmem.Reference.Mm;

/// <summary>What host memory backs a segment of <see cref="PhysicalMemory"/>.</summary>
public enum HostBacking
{
    /// <summary>A Linux memfd (shmem), mapped shared; pages are allocated on first touch.</summary>
    Memfd,
    /// <summary>A Linux <c>MFD_HUGETLB</c> memfd of host huge pages, reserved at map time.</summary>
    HugetlbMemfd,
    /// <summary>Anonymous memory (non-Linux hosts, or when memfd_create is unavailable).</summary>
    Anonymous,
}
