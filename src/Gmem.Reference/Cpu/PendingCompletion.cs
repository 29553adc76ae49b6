namespace Gmem.Reference.Cpu;

/// <summary>
/// An instruction that exited to the VMM and is finished by the next <see cref="BytecodeCpu.Run()"/>
/// with data from the exit (KVM's <c>complete_userspace_io</c>).
/// </summary>
internal enum PendingCompletion
{
    /// <summary>Nothing to finish.</summary>
    None = 0,

    /// <summary>A load from MMIO: the register gets <see cref="VcpuExit.Mmio.Data"/>.</summary>
    MmioRead,

    /// <summary>An IN: the register gets <see cref="VcpuExit.Io.Data"/>.</summary>
    PortIn,

    /// <summary>A forwarded hypercall: r0 gets <see cref="VcpuExit.Hypercall.Ret"/>.</summary>
    Hypercall,
}
