using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>
/// KVM_HC_MAP_GPA_RANGE from a real-mode guest at CPL0 (spec §2.14): forwarded as KVM_EXIT_HYPERCALL once
/// KVM_CAP_EXIT_HYPERCALL enables bit 12; otherwise KVM answers the guest itself with -KVM_ENOSYS.
/// </summary>
public class KvmHypercallTests
{
    // mov eax, 12; mov ebx, 0x1000; mov ecx, 1; mov edx, 0x10; vmcall; out 0x22, al; hlt
    // (KVM accepts vmcall and vmmcall alike and patches the one the CPU lacks.)
    private static readonly byte[] s_mapGpaRange =
    [
        0x66, 0xB8, 0x0C, 0x00, 0x00, 0x00, 0x66, 0xBB, 0x00, 0x10, 0x00, 0x00,
        0x66, 0xB9, 0x01, 0x00, 0x00, 0x00, 0x66, 0xBA, 0x10, 0x00, 0x00, 0x00,
        0x0F, 0x01, 0xC1, 0xE6, 0x22, 0xF4,
    ];

    // Offset of the vmcall in s_mapGpaRange.
    private const ulong VmcallOffset = 24;

    /// <summary>
    /// The PVM backend (spec §7) never completes a vmcall issued at CPL0: KVM_RUN keeps re-entering the
    /// emulator until a signal arrives (observed on 6.18.44 with kvm_pvm, real and long mode alike).
    /// </summary>
    private static void SkipIfHypercallNeverCompletes(RealModeGuest guest, VcpuExit exit)
    {
        bool stuck = exit is VcpuExit.Interrupted && guest.Vcpu.GetRegisters().Rip == RealModeGuest.CodeAddress + VmcallOffset;
        Skip.If(stuck && Directory.Exists("/sys/module/kvm_pvm"),
            "PVM backend: a vmcall at CPL0 never completes (KVM_RUN spins at the vmcall until a signal), so no hypercall exit can be produced here.");
        Assert.False(stuck, "the vmcall should complete (exit or -KVM_ENOSYS) instead of spinning in KVM_RUN");
    }

    [KvmFact]
    public void Run_MapGpaRangeWithExitEnabled_ExitCarriesArgsAndRetReachesGuest()
    {
        using var guest = new RealModeGuest(s_mapGpaRange);
        long supported = guest.Vm.CheckExtension(Capability.ExitHypercall);
        Skip.If((supported & (1L << 12)) == 0, $"KVM_CAP_EXIT_HYPERCALL = 0x{supported:x} lacks MAP_GPA_RANGE (bit 12).");
        guest.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);

        VcpuExit exit = guest.Run(3);
        SkipIfHypercallNeverCompletes(guest, exit);
        var call = Assert.IsType<VcpuExit.Hypercall>(exit);
        Assert.Equal(VcpuExit.Hypercall.MapGpaRange, call.Nr);
        Assert.Equal(0x1000ul, call.Args[0]);
        Assert.Equal(1ul, call.Args[1]);
        Assert.Equal(0x10ul, call.Args[2]);
        Assert.Equal(0ul, call.Flags & 1);   // not 64-bit mode
        call.Ret = 0x33;
        var output = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(0x33u, output.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
    }

    [KvmFact]
    public void Run_MapGpaRangeWithoutExitEnabled_GuestGetsEnosysWithoutExit()
    {
        using var guest = new RealModeGuest(s_mapGpaRange);
        VcpuExit exit = guest.Run(3);
        SkipIfHypercallNeverCompletes(guest, exit);
        var output = Assert.IsType<VcpuExit.Io>(exit);
        Assert.Equal(unchecked((byte)-1000), (byte)output.Value);   // -KVM_ENOSYS in AL
    }

    [KvmFact]
    public void EnableCapability_ExitHypercallBitsOutsideSupported_Einval()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        long supported = vm.CheckExtension(Capability.ExitHypercall);
        ulong unsupported = ~(ulong)supported & (1UL << 40);
        var e = Assert.Throws<GmemException>(() => vm.EnableCapability(Capability.ExitHypercall, unsupported));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal("KVM_ENABLE_CAP", e.Operation);
    }
}
