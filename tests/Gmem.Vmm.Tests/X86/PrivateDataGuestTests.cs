using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Tests.X86;

/// <summary>
/// A CPL3 guest whose data region has no host mapping at all (its memslot has <c>userspace_addr = 0</c>):
/// the guest writes and reads its data through guest_memfd alone, so a VMM can keep private ranges out of its
/// own address space. Only the system and code regions are mapped (spec §7: CPL0 and the emulator's
/// instruction fetch for port I/O need them).
/// </summary>
public class PrivateDataGuestTests
{
    private const ushort Port = 0x10;
    private const int DataPages = 64;
    private const ulong Magic = 0x9E37_79B9_7F4A_7C15;

    // Pass 1 writes qword (address ^ Magic) into every qword of DataPages pages; pass 2 counts mismatches
    // and sums the qwords; OUT mismatches, OUT low and high half of the sum; HLT.
    private static Action<Assembler> Program(Gpa data) => a =>
    {
        Label write = a.CreateLabel();
        Label read = a.CreateLabel();
        Label same = a.CreateLabel();
        ulong end = data.Value + (DataPages * (ulong)Page.Size);
        a.mov(r9, Magic);
        a.mov(rdi, data.Value);
        a.mov(rsi, end);
        a.Label(ref write);
        a.mov(rax, rdi);
        a.xor(rax, r9);
        a.mov(__qword_ptr[rdi], rax);
        a.add(rdi, 8);
        a.cmp(rdi, rsi);
        a.jb(write);

        a.mov(rdi, data.Value);
        a.xor(r8d, r8d);
        a.xor(r10d, r10d);
        a.Label(ref read);
        a.mov(rax, rdi);
        a.xor(rax, r9);
        a.mov(rbx, __qword_ptr[rdi]);
        a.add(r10, rbx);
        a.cmp(rax, rbx);
        a.je(same);
        a.inc(r8d);
        a.Label(ref same);
        a.add(rdi, 8);
        a.cmp(rdi, rsi);
        a.jb(read);

        a.mov(edx, (uint)Port);
        a.mov(eax, r8d);
        a.@out(dx, eax);
        a.mov(rax, r10);
        a.@out(dx, eax);
        a.shr(rax, 32);
        a.@out(dx, eax);
        a.hlt();
    };

    [KvmFact]
    public void RunToHlt_DataSlotWithoutHostMapping_GuestWritesAndReadsThroughGuestMemfd()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        var options = new X86GuestOptions { Privilege = X86PrivilegeLevel.User, MapData = false };
        Gpa data = options.Layout.Data;
        using X86Guest guest = X86Guest.Create(vm, options, Program(data));

        Assert.Equal((long)data.Value, guest.Mapping.Length);   // the host maps the system and code regions only

        var reported = new List<uint>();
        X86RunResult result = guest.RunToHlt(io =>
        {
            reported.Add(io.Value);
            return io.Port == Port;
        });

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        ulong expectedSum = 0;
        for (ulong address = data.Value; address < data.Value + (DataPages * (ulong)Page.Size); address += 8)
        {
            expectedSum += address ^ Magic;
        }
        Assert.Equal([0u, (uint)expectedSum, (uint)(expectedSum >> 32)], reported);

        // The writes went to the guest_memfd: a mapping made after the run sees them.
        using HostMapping late = guest.Memory.Map((long)data.Value, DataPages * Page.Size);
        byte[] bytes = new byte[DataPages * Page.Size];
        late.Read(0, bytes);
        for (int i = 0; i < bytes.Length; i += Page.Size)
        {
            ulong address = data.Value + (ulong)i;
            Assert.Equal(address ^ Magic, BitConverter.ToUInt64(bytes, i));
        }
    }

    [KvmFact]
    public void Create_KernelGuestWithoutDataMapping_ThrowsBeforeAnyKernelCall()
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        var options = new X86GuestOptions { Privilege = X86PrivilegeLevel.Kernel, MapData = false };

        ArgumentException e = Assert.Throws<ArgumentException>(() => X86Guest.Create(vm, options, a => a.hlt()));
        Assert.Contains("userspace_addr", e.Message, StringComparison.Ordinal);
        using KvmGuestMemfd fresh = vm.CreateGuestMemfd(Page.Size, GuestMemfdFlags.Mmap);   // the VM is still usable
    }
}
