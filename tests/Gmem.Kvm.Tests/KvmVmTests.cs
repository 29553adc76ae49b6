using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>Kvm-only VM and memslot behaviour: what this host's KVM does with CPL0 guests and slot backings (spec §7).</summary>
public class KvmVmTests
{
    // mov bx, 0x1000; mov ds, bx; mov al, [0]; out 0x21, al; hlt   (reads GPA 0x10000)
    private static readonly byte[] s_readAt64K = [0xBB, 0x00, 0x10, 0x8E, 0xDB, 0xA0, 0x00, 0x00, 0xE6, 0x21, 0xF4];

    [KvmFact]
    public void Run_CplZeroReadOfGmemOnlySlotWithoutUserspaceAddr_MmioExit()
    {
        // Spec §7: CPL0 code runs in KVM's emulator, which reaches a gmem-only slot through userspace_addr;
        // with userspace_addr = 0 there is nothing to reach and the access becomes MMIO.
        using var guest = new RealModeGuest(s_readAt64K);
        using KvmGuestMemfd data = guest.Vm.CreateGuestMemfd(0x10000, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        guest.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, 0x10000, 0x10000, 0, 0, data.Fd));
        var mmio = Assert.IsType<VcpuExit.Mmio>(guest.Run());
        Assert.Equal(new Gpa(0x10000), mmio.Address);
        Assert.False(mmio.IsWrite);
    }

    [KvmFact]
    public void SetUserMemoryRegion_HostMappingDisposedWhileSlotLive_GuestStillReadsIt()
    {
        // The slot holds a reference on the mapping behind userspace_addr: disposing the HostMapping defers the
        // munmap until the slot is deleted, so the kernel never reads or writes memory that was given back.
        using var guest = new RealModeGuest(s_readAt64K);
        using KvmGuestMemfd data = guest.Vm.CreateGuestMemfd(0x10000, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        HostMapping map = data.Map(0, 0x10000);
        map.Write(0, [0xAB]);
        guest.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, 0x10000, 0x10000, map.Address.Value, 0, data.Fd));
        map.Dispose();
        Assert.True(map.IsUnmapped);
        var output = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(0xABu, output.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
        guest.Vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, 0, 0, 0, 0, -1));
    }

    [KvmFact]
    public void PreFaultMemory_ThisHost_KernelAnswer()
    {
        using var guest = new RealModeGuest([0xF4]);
        long supported = guest.Vm.CheckExtension(Capability.PreFaultMemory);
        ulong gpa = 0;
        ulong size = 0x2000;
        if (supported == 0)
        {
            // Spec §7: KVM_CAP_PRE_FAULT_MEMORY = 0 here (shadow paging) and the ioctl answers EOPNOTSUPP.
            var e = Assert.Throws<GmemException>(() => guest.Vcpu.PreFaultMemory(ref gpa, ref size));
            Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
            Assert.Equal("KVM_PRE_FAULT_MEMORY", e.Operation);
            Assert.Equal(0x2000ul, size);
        }
        else
        {
            guest.Vcpu.PreFaultMemory(ref gpa, ref size);
            Assert.Equal(0ul, size);
            Assert.Equal(0x2000ul, gpa);
        }
    }

    [KvmFact]
    public void Open_MissingDevice_Enoent()
    {
        var e = Assert.Throws<GmemException>(() => KvmHypervisor.Open("/dev/no-such-kvm"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("open", e.Operation);
    }

    [KvmFact]
    public void GetSupportedCpuid_ThisHost_HasLongModeLeafAndSetupKeepsLm()
    {
        using var guest = new RealModeGuest([0xF4]);
        IReadOnlyList<X86CpuidEntry> set = guest.Vcpu.SetupCpuid();
        X86CpuidEntry extended = Assert.Single(set, e => e.Function == X86CpuidEntry.ExtendedFeaturesLeaf);
        Assert.NotEqual(0u, extended.Edx & X86CpuidEntry.LongModeBit);
        Assert.Contains(guest.Hypervisor.GetSupportedCpuid(), e => e.Function == 0);
    }

    [KvmFact]
    public void SpecialRegisters_RoundTrip_KeepsValues()
    {
        using var guest = new RealModeGuest([0xF4]);
        X86SpecialRegisters sregs = guest.Vcpu.GetSpecialRegisters();
        sregs.Gdt = new X86DescriptorTable { Base = 0x5000, Limit = 0x17 };
        sregs.Cr2 = 0x1234_5000;
        guest.Vcpu.SetSpecialRegisters(sregs);
        X86SpecialRegisters back = guest.Vcpu.GetSpecialRegisters();
        Assert.Equal(0x5000ul, back.Gdt.Base);
        Assert.Equal((ushort)0x17, back.Gdt.Limit);
        Assert.Equal(0x1234_5000ul, back.Cr2);
        X86Registers regs = guest.Vcpu.GetRegisters();
        regs.R15 = 0xDEAD_BEEF_0000_0001;
        guest.Vcpu.SetRegisters(regs);
        Assert.Equal(0xDEAD_BEEF_0000_0001ul, guest.Vcpu.GetRegisters().R15);
    }
}
