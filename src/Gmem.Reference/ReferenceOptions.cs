namespace Gmem.Reference;

/// <summary>Sizes and models of a <see cref="ReferenceHypervisor"/>. The defaults run every example.</summary>
public sealed class ReferenceOptions
{
    /// <summary>Bytes of the frame arena (the host's physical memory). Default 1 GiB, reserved lazily.</summary>
    public long MemoryBytes { get; set; } = 1L << 30;

    /// <summary>2 MiB pages in the hugetlb-style pool.</summary>
    public int HugePages2M { get; set; } = 64;

    /// <summary>1 GiB pages in the hugetlb-style pool.</summary>
    public int HugePages1G { get; set; }

    /// <summary>
    /// Back the 2 MiB pool with host huge pages (a Linux <c>MFD_HUGETLB</c> memfd) when the host has enough
    /// free; otherwise, or when false, the pool is backed by ordinary memory (see <c>Mm.PhysicalMemory</c>).
    /// </summary>
    public bool UseHostHugePages { get; set; } = true;

    /// <summary>Where private/shared attributes live.</summary>
    public AttributeModel AttributeModel { get; set; } = AttributeModel.PerVm;
}
