using Gmem.Vmm.Conversions;
using Gmem.Vmm.Maps;

namespace Gmem.Vmm.Machines;

/// <summary>
/// One platform's half of a <see cref="MicroVm"/>: a VM with guest_memfd-backed memory, one vCPU loaded with
/// a compiled guest program, the platform's conversion primitive, and host access to shared memory only.
/// </summary>
internal interface IGuestMachine : IDisposable
{
    /// <summary>"kvm" or "reference".</summary>
    string Platform { get; }

    /// <summary>The platform's conversion primitive for <see cref="ConversionService"/>.</summary>
    IConversionBackend Conversions { get; }

    /// <summary>What the platform guarantees about private memory, one sentence each.</summary>
    IReadOnlyList<string> Guarantees { get; }

    /// <summary>vCPUs, one per guest program.</summary>
    int VcpuCount { get; }

    /// <summary>One run of vCPU <paramref name="vcpu"/> (each vCPU from one thread at a time).</summary>
    VcpuExit Run(int vcpu);

    /// <summary>Asks every running vCPU to return soon (any thread).</summary>
    void RequestExit();

    /// <summary>Translates a platform-specific exit of <paramref name="vcpu"/> into the common protocol (e.g. a port-I/O conversion request into a Hypercall); null when consumed.</summary>
    VcpuExit? Translate(int vcpu, VcpuExit exit);

    /// <summary>Copies shared guest memory to the host.</summary>
    /// <exception cref="GmemException">EFAULT: part of the range is not shared.</exception>
    void ReadShared(Gpa address, Span<byte> destination);

    /// <summary>Copies host bytes into shared guest memory.</summary>
    /// <exception cref="GmemException">EFAULT: part of the range is not shared.</exception>
    void WriteShared(Gpa address, ReadOnlySpan<byte> source);

    /// <summary>The VM's guest physical memory as the platform sees it.</summary>
    GuestMemoryMap Map();

    /// <summary>Ranges of private guest memory that some host mapping reaches (empty when the isolation holds).</summary>
    IReadOnlyList<GpaRange> HostVisiblePrivateRanges();
}
