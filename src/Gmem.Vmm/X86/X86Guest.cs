// One x86-64 guest on the Kvm platform, ready to run: a guest_memfd (MMAP|INIT_SHARED) that is all of guest
// memory from GPA 0, gmem-only memslots over it, the boot image written through a host mapping, one vCPU
// with CPUID and long-mode registers loaded.
//
// Memory and mappings (spec §7, the PVM host): CPL0 code runs in KVM's emulator and reaches a gmem-only
// slot through the host mapping at userspace_addr, so the system region (page tables, GDT, IDT, TSS, kernel
// stubs and stack) and the code region are always host-mapped; the emulator also fetches the instruction
// of every port-I/O exit from CPL3, which is why the code region is mapped even for a user guest. The data
// region is either mapped too (one slot) or, for a user guest without MapData, a second slot with
// userspace_addr = 0: the guest reaches it through guest_memfd alone.
//
// Lifetime: Dispose closes the vCPU, the mappings, the guest_memfd; the caller owns the VM.
// Threading: one thread runs the vCPU (KvmVcpu's rule).
using System.Runtime.CompilerServices;
using Gmem.Kvm;
using Iced.Intel;

namespace Gmem.Vmm.X86;

/// <summary>A long-mode x86-64 guest on a <see cref="KvmVm"/>, backed by guest_memfd.</summary>
public sealed class X86Guest : IDisposable
{
    // The CPUID leaves given to vCPUs, per hypervisor: KVM_GET_SUPPORTED_CPUID is asked once, not per vCPU.
    private static readonly ConditionalWeakTable<KvmHypervisor, IReadOnlyList<X86CpuidEntry>> s_cpuid = [];

    private readonly HostMapping _mapping;
    private readonly List<KvmVcpu> _moreVcpus = [];
    private int _disposed;

    private X86Guest(KvmVm vm, X86GuestOptions options, X86BootImage image, KvmGuestMemfd memory, HostMapping mapping, KvmVcpu vcpu)
    {
        Vm = vm;
        Options = options;
        Image = image;
        Memory = memory;
        _mapping = mapping;
        Vcpu = vcpu;
    }

    /// <summary>The VM (owned by the caller).</summary>
    public KvmVm Vm { get; }

    /// <summary>The options the guest was created with.</summary>
    public X86GuestOptions Options { get; }

    /// <summary>The boot image in guest memory.</summary>
    public X86BootImage Image { get; }

    /// <summary>The guest_memfd behind all of guest memory (offset = GPA).</summary>
    public KvmGuestMemfd Memory { get; }

    /// <summary>The host mapping of guest memory from GPA 0: all of it, or only the system and code regions.</summary>
    public HostMapping Mapping => _mapping;

    /// <summary>The vCPU, registers loaded.</summary>
    public KvmVcpu Vcpu { get; }

    /// <summary>
    /// Creates the guest_memfd, maps and fills it, adds the memslots, creates the vCPU and loads CPUID and
    /// the long-mode registers.
    /// </summary>
    /// <exception cref="ArgumentException">The options are inconsistent (e.g. a CPL0 guest without <see cref="X86GuestOptions.MapData"/>).</exception>
    /// <exception cref="GmemException">A kernel call failed.</exception>
    public static X86Guest Create(KvmVm vm, X86GuestOptions options, Action<Assembler> program)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        return Create(vm, options, LongModeBoot.Build(options.Layout, options.Privilege, program));
    }

    /// <summary>
    /// As <see cref="Create(KvmVm, X86GuestOptions, Action{Assembler})"/> with an image built beforehand (one
    /// image can start many guests); its layout and privilege level must be the options'.
    /// </summary>
    public static X86Guest Create(KvmVm vm, X86GuestOptions options, X86BootImage image)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(image);
        CheckOptions(options);
        if (image.Layout != options.Layout || image.Privilege != options.Privilege)
        {
            throw new ArgumentException($"The image was built for {image.Privilege} with another layout than the options name.", nameof(image));
        }
        X86GuestLayout layout = options.Layout;

        KvmGuestMemfd? memory = null;
        HostMapping? mapping = null;
        KvmVcpu? vcpu = null;
        try
        {
            memory = vm.CreateGuestMemfd((long)layout.MemoryBytes, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
            ulong mappedBytes = options.MapData ? layout.MemoryBytes : layout.Data.Value;
            mapping = memory.Map(0, (long)mappedBytes);
            foreach (X86MemoryChunk chunk in image.Chunks)
            {
                mapping.Write((long)chunk.Address.Value, chunk.Bytes);
            }
            vm.SetUserMemoryRegion(new UserMemoryRegion(options.FirstSlot, MemslotFlags.GuestMemfd, 0, mappedBytes,
                mapping.Address.Value, 0, memory.Fd));
            if (!options.MapData)
            {
                vm.SetUserMemoryRegion(new UserMemoryRegion(options.FirstSlot + 1, MemslotFlags.GuestMemfd, layout.Data.Value,
                    layout.MemoryBytes - layout.Data.Value, 0, (long)layout.Data.Value, memory.Fd));
            }
            vcpu = vm.CreateVcpu(options.VcpuId);
            if (s_cpuid.TryGetValue(vm.Hypervisor, out IReadOnlyList<X86CpuidEntry>? cpuid))
            {
                vcpu.SetCpuid(cpuid);
            }
            else
            {
                s_cpuid.AddOrUpdate(vm.Hypervisor, vcpu.SetupCpuid());
            }
            image.State.ApplyTo(vcpu);
            return new X86Guest(vm, options, image, memory, mapping, vcpu);
        }
        catch
        {
            vcpu?.Dispose();
            mapping?.Dispose();
            memory?.Dispose();
            throw;
        }
    }

    private static void CheckOptions(X86GuestOptions options)
    {
        if (options.Privilege == X86PrivilegeLevel.Kernel && !options.MapData)
        {
            throw new ArgumentException("A CPL0 guest needs its data mapped: on this host CPL0 reaches gmem-only slots through userspace_addr.", nameof(options));
        }
    }

    /// <summary>
    /// Runs the vCPU until HLT. Every port-I/O exit except the fault port goes to <paramref name="onIo"/>
    /// (the exit object is reused by the next exit: copy what you keep; for IN, set its data); returning false
    /// stops the run. At most <paramref name="maxExits"/> exits are taken.
    /// </summary>
    /// <exception cref="GmemException">KVM_RUN failed with an errno that is not an exit.</exception>
    public X86RunResult RunToHlt(Func<VcpuExit.Io, bool> onIo, long maxExits = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(onIo);
        long ioExits = 0;
        for (long exits = 0; exits < maxExits; exits++)
        {
            VcpuExit exit = Vcpu.Run();
            switch (exit)
            {
                case VcpuExit.Io io when io.Port == X86GuestLayout.FaultPort:
                    return new X86RunResult(X86RunOutcome.Faulted, ioExits, exit, (int)io.Value);
                case VcpuExit.Io io:
                    ioExits++;
                    if (!onIo(io))
                    {
                        return new X86RunResult(X86RunOutcome.Stopped, ioExits, exit, -1);
                    }
                    break;
                case VcpuExit.Hlt:
                    return new X86RunResult(X86RunOutcome.Halted, ioExits, exit, -1);
                case VcpuExit.Interrupted:
                    break;
                default:
                    return new X86RunResult(X86RunOutcome.UnexpectedExit, ioExits, exit, -1);
            }
        }
        return new X86RunResult(X86RunOutcome.ExitLimit, ioExits, VcpuExit.Interrupted.Instance, -1);
    }

    /// <summary>The vCPUs added with <see cref="AddVcpu"/>.</summary>
    public IReadOnlyList<KvmVcpu> MoreVcpus => _moreVcpus;

    /// <summary>
    /// Adds a vCPU that starts where <see cref="Vcpu"/> starts (same CPUID, same registers), with RBX set to
    /// <paramref name="rbx"/> so the program can tell the vCPUs apart. The guest owns and disposes it.
    /// </summary>
    public KvmVcpu AddVcpu(int id, ulong rbx)
    {
        KvmVcpu vcpu = Vm.CreateVcpu(id);
        try
        {
            if (s_cpuid.TryGetValue(Vm.Hypervisor, out IReadOnlyList<X86CpuidEntry>? cpuid))
            {
                vcpu.SetCpuid(cpuid);
            }
            else
            {
                vcpu.SetupCpuid();
            }
            Image.State.ApplyTo(vcpu);
            X86Registers registers = vcpu.GetRegisters();
            registers.Rbx = rbx;
            vcpu.SetRegisters(registers);
        }
        catch
        {
            vcpu.Dispose();
            throw;
        }
        _moreVcpus.Add(vcpu);
        return vcpu;
    }

    /// <summary>Closes the vCPUs, unmaps guest memory and closes the guest_memfd (the VM stays the caller's).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            foreach (KvmVcpu more in _moreVcpus)
            {
                more.Dispose();
            }
            Vcpu.Dispose();
            _mapping.Dispose();
            Memory.Dispose();
        }
    }
}
