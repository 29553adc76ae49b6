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

    /// <summary>Where private/shared attributes live.</summary>
    public AttributeModel AttributeModel { get; set; } = AttributeModel.PerVm;
}
