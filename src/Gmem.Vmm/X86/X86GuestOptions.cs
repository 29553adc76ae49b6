namespace Gmem.Vmm.X86;

/// <summary>How <see cref="X86Guest"/> sets a guest up.</summary>
public sealed record X86GuestOptions
{
    /// <summary>Where things go in guest memory (also the guest_memfd size).</summary>
    public X86GuestLayout Layout { get; init; } = new();

    /// <summary>The privilege level the program runs at.</summary>
    public X86PrivilegeLevel Privilege { get; init; } = X86PrivilegeLevel.Kernel;

    /// <summary>
    /// Whether the data region gets a host mapping. A <see cref="X86PrivilegeLevel.Kernel"/> guest needs it on the
    /// PVM host (CPL0 reaches gmem-only slots through <c>userspace_addr</c>); a <see cref="X86PrivilegeLevel.User"/>
    /// guest does not, and without it the data region's memslot has <c>userspace_addr = 0</c>: its pages are in no
    /// host address space at all.
    /// </summary>
    public bool MapData { get; init; } = true;

    /// <summary>The first memslot id the guest uses (it uses one, or two without <see cref="MapData"/>).</summary>
    public uint FirstSlot { get; init; }

    /// <summary>The vCPU id.</summary>
    public int VcpuId { get; init; }
}
