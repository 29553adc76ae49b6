namespace Gmem;

/// <summary>A virtual CPU (<c>KVM_CREATE_VCPU</c>). Dispose closes it.</summary>
public interface IVcpu : IDisposable
{
    /// <summary>The vCPU id.</summary>
    int Id { get; }

    /// <summary>
    /// One <c>KVM_RUN</c>. Expected outcomes are values: a memory-fault exit (KVM_RUN = -1 with EFAULT or
    /// EHWPOISON and exit reason 39) is <see cref="VcpuExit.MemoryFault"/>, EINTR is <see cref="VcpuExit.Interrupted"/>.
    /// Data a handler puts into the previous exit (IN data, MMIO read data, hypercall return value) is
    /// handed to the guest when this is called.
    /// </summary>
    VcpuExit Run();

    /// <summary>
    /// Makes the current or next <see cref="Run"/> return <see cref="VcpuExit.Interrupted"/> soon
    /// (<c>kvm_run.immediate_exit</c> plus a kick of the running thread). Safe from any thread.
    /// </summary>
    void RequestExit();

    /// <summary><c>KVM_PRE_FAULT_MEMORY</c>: on return <paramref name="gpa"/>/<paramref name="size"/> describe what is left.</summary>
    /// <exception cref="GmemException">The errno of spec §2.15.</exception>
    void PreFaultMemory(ref ulong gpa, ref ulong size);
}
