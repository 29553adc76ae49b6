using Gmem.Kvm;
using Gmem.Reference;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Machines;
using Gmem.Vmm.Programs;
using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm;

/// <summary>
/// Builds a <see cref="MicroVm"/>: choose the platform (or take the default), lay out guest memory, choose
/// the confidentiality mode, give the guest program, build.
/// <code>
/// using MicroVm vm = VmBuilder.Create()
///     .WithMemory(4 &lt;&lt; 20)
///     .WithSharedWindow(new Gpa(0x300000), 0x10000)
///     .WithProgram(new GuestProgram().Fill(new Gpa(0x100000), 0x1000, 0xA5).Report(1))
///     .Build();
/// GuestRunResult result = vm.Run();
/// </code>
/// </summary>
public sealed class VmBuilder
{
    private readonly IHypervisor _hypervisor;
    private readonly bool _ownsHypervisor;
    private readonly List<GpaRange> _windows = [];
    private MicroVmOptions _options = new();
    private IReadOnlyList<GuestProgram>? _programs;

    private VmBuilder(IHypervisor hypervisor, bool ownsHypervisor)
    {
        _hypervisor = hypervisor;
        _ownsHypervisor = ownsHypervisor;
    }

    /// <summary>
    /// Starts a VM on <paramref name="hypervisor"/> (which stays the caller's), or on the default platform when
    /// null (then the VM owns it: Kvm when <c>/dev/kvm</c> is usable, else Reference).
    /// </summary>
    public static VmBuilder Create(IHypervisor? hypervisor = null) =>
        hypervisor is null ? new(Hypervisors.OpenDefault(), ownsHypervisor: true) : new(hypervisor, ownsHypervisor: false);

    /// <summary>Guest memory of <paramref name="bytes"/> from GPA 0 (a multiple of 2 MiB is best), with huge pages where the platform has them.</summary>
    public VmBuilder WithMemory(ulong bytes, ulong hugePageBytes = 0)
    {
        if (bytes <= MicroVmOptions.ReservedBytes || !Page.IsAligned(bytes))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), $"Guest memory must be page aligned and above the 0x{MicroVmOptions.ReservedBytes:x} bytes reserved for page tables and code.");
        }
        _options = _options with { MemoryBytes = bytes, HugePageBytes = hugePageBytes };
        return this;
    }

    /// <summary>All memory private except the shared windows (the default).</summary>
    public VmBuilder Confidential()
    {
        _options = _options with { Mode = ConfidentialityMode.Private };
        return this;
    }

    /// <summary>All memory shared: no confidentiality.</summary>
    public VmBuilder AllShared()
    {
        _options = _options with { Mode = ConfidentialityMode.Shared };
        return this;
    }

    /// <summary>A range shared with the host from the start.</summary>
    public VmBuilder WithSharedWindow(Gpa address, ulong length)
    {
        _windows.Add(new GpaRange(address, length));
        return this;
    }

    /// <summary>The guest program the vCPU runs (loaded into private memory).</summary>
    public VmBuilder WithProgram(GuestProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        _programs = [program];
        return this;
    }

    /// <summary><paramref name="count"/> vCPUs (at most <see cref="MaxVcpus"/>), vCPU i running <paramref name="programFor"/>(i); they run concurrently.</summary>
    public VmBuilder WithVcpus(int count, Func<int, GuestProgram> programFor)
    {
        ArgumentNullException.ThrowIfNull(programFor);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxVcpus);
        _programs = [.. Enumerable.Range(0, count).Select(programFor)];
        return this;
    }

    /// <summary>The most vCPUs a MicroVm has (their code shares the reserved low memory).</summary>
    public const int MaxVcpus = 8;

    /// <summary>Creates the VM, its memory and vCPU, and loads the program.</summary>
    /// <exception cref="InvalidOperationException">No program was given.</exception>
    /// <exception cref="GmemException">The platform refused (the errno says why).</exception>
    public MicroVm Build()
    {
        IReadOnlyList<GuestProgram> programs = _programs ?? throw new InvalidOperationException("A MicroVm needs a guest program: call WithProgram or WithVcpus first.");
        MicroVmOptions options = _options with { SharedWindows = [.. _windows] };
        IGuestMachine machine = _hypervisor switch
        {
            KvmHypervisor kvm => new KvmGuestMachine(kvm, options, programs),
            ReferenceHypervisor reference => new ReferenceGuestMachine(reference, options, programs),
            _ => throw new NotSupportedException($"The {_hypervisor.Name} platform cannot run MicroVms."),
        };
        return new MicroVm(machine, options, _ownsHypervisor ? _hypervisor : null);
    }
}
