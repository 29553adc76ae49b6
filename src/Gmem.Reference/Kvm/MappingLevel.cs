namespace Gmem.Reference.Kvm;

/// <summary>The size of a stage-2 leaf (the kernel's PG_LEVEL_4K/2M/1G, counted from 0).</summary>
internal enum MappingLevel
{
    /// <summary>4 KiB.</summary>
    Page4K = 0,

    /// <summary>2 MiB (512 pages).</summary>
    Block2M = 1,

    /// <summary>1 GiB (262144 pages).</summary>
    Block1G = 2,
}
