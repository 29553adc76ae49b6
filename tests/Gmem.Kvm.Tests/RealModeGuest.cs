using Gmem.Kvm;

namespace Gmem.Kvm.Tests;

/// <summary>
/// A one-vCPU VM running hand-written 16-bit real-mode code at CPL0 from a guest_memfd (MMAP|INIT_SHARED) slot
/// whose userspace_addr is the file's own host mapping (spec §7: CPL0 code is emulated and reaches a gmem-only
/// slot through userspace_addr). Code is loaded at <see cref="CodeAddress"/>; CS base 0, IP = CodeAddress.
/// </summary>
internal sealed class RealModeGuest : IDisposable
{
    public const long MemoryBytes = 0x10000;
    public const ulong CodeAddress = 0x1000;

    public RealModeGuest(ReadOnlySpan<byte> code)
    {
        Hypervisor = KvmHypervisor.Open();
        Vm = Hypervisor.CreateVm();
        Memory = Vm.CreateGuestMemfd(MemoryBytes, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        Mapping = Memory.Map(0, MemoryBytes);
        Mapping.Write((long)CodeAddress, code);
        Vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.GuestMemfd, 0, (ulong)MemoryBytes,
            Mapping.Address.Value, 0, Memory.Fd));
        Vcpu = Vm.CreateVcpu(0);
        X86SpecialRegisters sregs = Vcpu.GetSpecialRegisters();
        sregs.Cs.Base = 0;
        sregs.Cs.Selector = 0;
        Vcpu.SetSpecialRegisters(sregs);
        Vcpu.SetRegisters(new X86Registers { Rip = CodeAddress, Rflags = 0x2, Rsp = 0x8000 });
    }

    public KvmHypervisor Hypervisor { get; }
    public KvmVm Vm { get; }
    public KvmGuestMemfd Memory { get; }
    public HostMapping Mapping { get; }
    public KvmVcpu Vcpu { get; }

    /// <summary>
    /// One <see cref="KvmVcpu.Run"/> under a watchdog: if the run has not returned after
    /// <paramref name="seconds"/>, <see cref="KvmVcpu.RequestExit"/> kicks it and the run comes back as
    /// <see cref="VcpuExit.Interrupted"/> (which the caller then sees as the unexpected exit it is).
    /// </summary>
    public VcpuExit Run(double seconds = 10)
    {
        using var watchdog = new Timer(_ => Vcpu.RequestExit(), null, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(1));
        return Vcpu.Run();
    }

    public void Dispose()
    {
        Vcpu.Dispose();
        Mapping.Dispose();
        Memory.Dispose();
        Vm.Dispose();
        Hypervisor.Dispose();
    }
}
