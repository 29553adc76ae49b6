namespace Gmem.Reference.Kvm;

/// <summary>The result of <c>FaultPath.Handle</c>: a status and, for <see cref="FaultStatus.Exit"/>, the exit.</summary>
/// <param name="Status">How the fault ended.</param>
/// <param name="Exit">The memory-fault exit, or null.</param>
/// <param name="Level">The level of the leaf installed (for <see cref="FaultStatus.Mapped"/>).</param>
internal readonly record struct FaultOutcome(FaultStatus Status, VcpuExit? Exit, MappingLevel Level = MappingLevel.Page4K)
{
    /// <summary>Retry.</summary>
    public static FaultOutcome Retry => new(FaultStatus.Retry, null);

    /// <summary>MMIO.</summary>
    public static FaultOutcome Mmio => new(FaultStatus.Mmio, null);

    /// <summary>A KVM_EXIT_MEMORY_FAULT for the page of <paramref name="gfn"/>.</summary>
    public static FaultOutcome MemoryFault(Gfn gfn, bool isPrivate, Errno errno) =>
        new(FaultStatus.Exit, new VcpuExit.MemoryFault(gfn.Gpa, Page.Size, isPrivate ? VcpuExit.MemoryFault.FlagPrivate : 0, errno));
}
