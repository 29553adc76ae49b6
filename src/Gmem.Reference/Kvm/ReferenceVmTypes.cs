namespace Gmem.Reference.Kvm;

/// <summary>
/// VM types only the Reference platform offers (numbered above 0x100, API.md), passed to
/// <see cref="IHypervisor.CreateVm"/> as <see cref="VmType"/> values.
/// </summary>
public static class ReferenceVmTypes
{
    /// <summary>
    /// A VM with private memory where the guest chooses the kind of every access with a GPA bit, as
    /// TDX does: an access with <see cref="SharedGpaBit"/> set is shared, without it private. The bit
    /// is stripped before the memslot and attribute lookups and in memory-fault exits, so a guest
    /// that touches the wrong alias of a page causes a private/shared mismatch exit itself.
    /// </summary>
    public const VmType GpaSharedBit = (VmType)0x101;

    /// <summary>The GPA bit that marks a shared access on <see cref="GpaSharedBit"/> VMs (bit 47).</summary>
    public const int SharedGpaBit = 47;

    /// <summary>The mask of <see cref="SharedGpaBit"/>.</summary>
    public const ulong SharedGpaMask = 1UL << SharedGpaBit;

    /// <summary>Whether VMs of <paramref name="type"/> have private memory (attributes, private faults).</summary>
    public static bool HasPrivateMemory(VmType type) => type is VmType.SwProtected or GpaSharedBit;

    /// <summary>Whether the Reference platform can create VMs of <paramref name="type"/>.</summary>
    public static bool IsSupported(VmType type) => type is VmType.Default or VmType.SwProtected or GpaSharedBit;
}
