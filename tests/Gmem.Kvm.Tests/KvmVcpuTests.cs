using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>
/// vCPU exits produced by hand-written real-mode guests at CPL0 (no x86 boot helper needed): each test states
/// the code it runs, byte by byte.
/// </summary>
public class KvmVcpuTests
{
    [KvmFact]
    public void Run_OutThenHlt_ReportsIoThenHlt()
    {
        // mov dx, 0x10; mov al, 0x42; out dx, al; hlt
        using var guest = new RealModeGuest([0xBA, 0x10, 0x00, 0xB0, 0x42, 0xEE, 0xF4]);
        VcpuExit exit = guest.Run();
        var io = Assert.IsType<VcpuExit.Io>(exit);
        Assert.Equal(IoDirection.Out, io.Direction);
        Assert.Equal((ushort)0x10, io.Port);
        Assert.Equal(1, io.Size);
        Assert.Equal(1u, io.Count);
        Assert.Equal(0x42u, io.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
        Assert.Equal(RealModeGuest.CodeAddress + 7, guest.Vcpu.GetRegisters().Rip);
    }

    [KvmFact]
    public void Run_InExit_HandlerDataReachesGuestBeforeNextRun()
    {
        // in al, 0x20; out 0x21, al; hlt
        using var guest = new RealModeGuest([0xE4, 0x20, 0xE6, 0x21, 0xF4]);
        var input = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(IoDirection.In, input.Direction);
        Assert.Equal((ushort)0x20, input.Port);
        input.Value = 0x5A;
        var output = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(IoDirection.Out, output.Direction);
        Assert.Equal(0x5Au, output.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
    }

    [KvmFact]
    public void Run_WordInExit_AllBytesReachGuest()
    {
        // in ax, 0x30; mov bx, ax; hlt   (the host reads BX afterwards)
        using var guest = new RealModeGuest([0xE5, 0x30, 0x89, 0xC3, 0xF4]);
        var input = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(2, input.Size);
        input.Value = 0xBEEF;
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
        Assert.Equal(0xBEEFul, guest.Vcpu.GetRegisters().Rbx & 0xFFFF);
    }

    [KvmFact]
    public void Run_MmioReadAndWrite_ReportedAndReadDataReachesGuest()
    {
        // mov bx, 0x1000; mov ds, bx        (DS base 0x10000: past the 64 KiB slot, so MMIO)
        // mov al, [0]; out 0x21, al; mov byte [1], 0x99; hlt
        using var guest = new RealModeGuest([0xBB, 0x00, 0x10, 0x8E, 0xDB, 0xA0, 0x00, 0x00, 0xE6, 0x21,
            0xC6, 0x06, 0x01, 0x00, 0x99, 0xF4]);
        var read = Assert.IsType<VcpuExit.Mmio>(guest.Run());
        Assert.False(read.IsWrite);
        Assert.Equal(new Gpa(0x10000), read.Address);
        Assert.Equal(1, read.Length);
        read.Data[0] = 0x77;
        var output = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(0x77u, output.Value);
        var write = Assert.IsType<VcpuExit.Mmio>(guest.Run());
        Assert.True(write.IsWrite);
        Assert.Equal(new Gpa(0x10001), write.Address);
        Assert.Equal(0x99, write.Data[0]);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
    }

    [KvmFact]
    public void Run_Int3InProtectedModeWithoutIdt_ShutdownOrEmulationFailureDecoded()
    {
        // 32-bit protected mode (flat segments in the descriptor caches), IDT limit 0, then int3.
        // With hardware virtualization the IDT lookups fail three times: a triple fault, KVM_EXIT_SHUTDOWN.
        // On the PVM host, CPL0 code is emulated and KVM's emulator cannot deliver the interrupt: it reports
        // KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION (1) with the instruction bytes (spec §7).
        using var guest = new RealModeGuest([0xCC, 0xF4]);
        X86SpecialRegisters sregs = guest.Vcpu.GetSpecialRegisters();
        var code = new X86Segment { Base = 0, Limit = 0xFFFF_FFFF, Selector = 0x08, Type = 0xB, Present = true, Db = true, S = true, G = true };
        var data = code with { Selector = 0x10, Type = 0x3 };
        sregs.Cs = code;
        sregs.Ds = sregs.Es = sregs.Ss = sregs.Fs = sregs.Gs = data;
        sregs.Cr0 |= X86SpecialRegisters.Cr0ProtectionEnable;
        sregs.Idt = new X86DescriptorTable { Base = 0, Limit = 0 };
        guest.Vcpu.SetSpecialRegisters(sregs);
        VcpuExit exit = guest.Run();
        if (exit is VcpuExit.InternalError error)
        {
            Assert.Equal(1u, error.Suberror);
            Assert.True(error.Data.Length >= 2, "an emulation failure carries flags and instruction bytes");
            Assert.Equal(1ul, error.Data[0] & 1);                       // KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES
            Assert.Equal(0xCCul, (error.Data[1] >> 8) & 0xFF);          // insn_size byte, then the bytes: int3 first
        }
        else
        {
            Assert.IsType<VcpuExit.Shutdown>(exit);
        }
    }

    [KvmFact]
    public void Run_HostWroteGuestMemory_GuestSeesItAndHostSeesGuestWrite()
    {
        // mov al, [0x2000]; out 0x21, al; mov byte [0x2001], 0xFF; hlt
        using var guest = new RealModeGuest([0xA0, 0x00, 0x20, 0xE6, 0x21, 0xC6, 0x06, 0x01, 0x20, 0xFF, 0xF4]);
        guest.Mapping.Write(0x2000, [0xAA]);
        var output = Assert.IsType<VcpuExit.Io>(guest.Run());
        Assert.Equal(0xAAu, output.Value);
        Assert.IsType<VcpuExit.Hlt>(guest.Run());
        byte[] seen = new byte[1];
        guest.Mapping.Read(0x2001, seen);
        Assert.Equal(0xFF, seen[0]);
    }

    [KvmFact]
    public void Run_RepOutsb_StringDataFromDataOffset()
    {
        // mov si, 0x2000; mov cx, 4; mov dx, 0x10; rep outsb; hlt
        using var guest = new RealModeGuest([0xBE, 0x00, 0x20, 0xB9, 0x04, 0x00, 0xBA, 0x10, 0x00, 0xF3, 0x6E, 0xF4]);
        guest.Mapping.Write(0x2000, "ABCD"u8);
        var received = new List<byte>();
        VcpuExit exit;
        while ((exit = guest.Run()) is VcpuExit.Io io)
        {
            Assert.Equal(IoDirection.Out, io.Direction);
            Assert.Equal((ushort)0x10, io.Port);
            Assert.Equal(io.Size * (int)io.Count, io.Data.Length);
            received.AddRange(io.Data);
        }
        Assert.IsType<VcpuExit.Hlt>(exit);
        Assert.Equal("ABCD"u8.ToArray(), received.ToArray());
    }

    [KvmFact]
    public void Run_RepInsb_HandlerDataLandsInGuestMemory()
    {
        // mov di, 0x3000; mov cx, 4; mov dx, 0x20; rep insb; hlt
        using var guest = new RealModeGuest([0xBF, 0x00, 0x30, 0xB9, 0x04, 0x00, 0xBA, 0x20, 0x00, 0xF3, 0x6C, 0xF4]);
        byte next = 0x61;
        VcpuExit exit;
        while ((exit = guest.Run()) is VcpuExit.Io io)
        {
            Assert.Equal(IoDirection.In, io.Direction);
            for (int i = 0; i < io.Data.Length; i++)
            {
                io.Data[i] = next++;
            }
        }
        Assert.IsType<VcpuExit.Hlt>(exit);
        byte[] memory = new byte[4];
        guest.Mapping.Read(0x3000, memory);
        Assert.Equal("abcd"u8.ToArray(), memory);
    }

    [KvmFact]
    public void CreateVcpu_SameIdTwice_Eexist()
    {
        using var guest = new RealModeGuest([0xF4]);
        var e = Assert.Throws<GmemException>(() => guest.Vm.CreateVcpu(0));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("KVM_CREATE_VCPU", e.Operation);
    }
}
