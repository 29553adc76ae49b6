using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Tests.X86;

/// <summary>
/// Spec §4.6 scenario 49 (selftest <c>test_guest_memfd_guest</c>): a default VM, a one-page guest_memfd with
/// MMAP|INIT_SHARED bound at GPA 4 GiB in slot 1; the host writes 0xaa through a mapping and unmaps; the guest
/// checks every byte is 0xaa and writes 0xff; the host maps again and reads 0xff everywhere.
/// On this PVM host the guest's privilege level decides how it reaches the page (spec §7), so the scenario
/// runs in three variants.
/// </summary>
public class Scenario49Tests
{
    private const ushort Port = 0x10;
    private static readonly Gpa s_pageGpa = new(4UL << 30);

    // r8d counts bytes that are not 0xaa; then every byte becomes 0xff; OUT r8d; HLT.
    private static void Program(Assembler a)
    {
        Label check = a.CreateLabel();
        Label same = a.CreateLabel();
        a.mov(rdi, s_pageGpa.Value);
        a.mov(ecx, (uint)Page.Size);
        a.xor(r8d, r8d);
        a.Label(ref check);
        a.cmp(__byte_ptr[rdi + rcx - 1], 0xAA);
        a.je(same);
        a.inc(r8d);
        a.Label(ref same);
        a.dec(ecx);
        a.jnz(check);
        a.mov(ecx, (uint)Page.Size);
        a.mov(al, 0xFF);
        a.rep.stosb();
        a.mov(eax, r8d);
        a.mov(edx, (uint)Port);
        a.@out(dx, eax);
        a.hlt();
    }

    [KvmFact]
    public void GuestAtCpl3_SlotWithNullUserspaceAddr_SeesHostBytesAndHostSeesGuestBytes()
    {
        (X86RunResult result, uint mismatches, byte[] after) = Run(X86PrivilegeLevel.User, hostMappedSlot: false);

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(0u, mismatches);
        Assert.All(after, b => Assert.Equal(0xFF, b));
    }

    [KvmFact]
    public void GuestAtCpl0_SlotWithHostMapping_SeesHostBytesAndHostSeesGuestBytes()
    {
        (X86RunResult result, uint mismatches, byte[] after) = Run(X86PrivilegeLevel.Kernel, hostMappedSlot: true);

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(0u, mismatches);
        Assert.All(after, b => Assert.Equal(0xFF, b));
    }

    [KvmFact]
    public void GuestAtCpl0_SlotWithNullUserspaceAddr_RunsWhereKvmReadsGuestMemfdDirectly()
    {
        (X86RunResult result, uint mismatches, byte[] after) = Run(X86PrivilegeLevel.Kernel, hostMappedSlot: false);

        // PVM: CPL0 code runs in KVM's instruction emulator, which reaches a gmem-only slot only through
        // userspace_addr (spec §7). With uaddr NULL it cannot read the page; the run ends in an exit instead.
        // The emulator's failed read of the page surfaces as an MMIO exit inside it.
        bool mmioOnPage = result.LastExit is VcpuExit.Mmio mmio && mmio.Address >= s_pageGpa && mmio.Address < s_pageGpa + Page.Size;
        Skip.If(mmioOnPage,
            $"Scenario 49 as the selftest writes it (uaddr NULL) cannot run at CPL0 on this host: KVM emulates CPL0 code and reaches gmem-only slots only through userspace_addr; the run ended with {result.LastExit}. The CPL3 variant runs it with uaddr NULL.");
        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(0u, mismatches);
        Assert.All(after, b => Assert.Equal(0xFF, b));
    }

    private static (X86RunResult Result, uint Mismatches, byte[] After) Run(X86PrivilegeLevel privilege, bool hostMappedSlot)
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm(VmType.Default);
        var options = new X86GuestOptions
        {
            Privilege = privilege,
            Layout = new X86GuestLayout { IdentityMapBytes = 5UL << 30 },
        };
        using X86Guest guest = X86Guest.Create(vm, options, Program);

        using KvmGuestMemfd page = vm.CreateGuestMemfd(Page.Size, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using (HostMapping before = page.Map(0, Page.Size))
        {
            before.Write(0, Enumerable.Repeat((byte)0xAA, Page.Size).ToArray());
        }
        using HostMapping? slotMapping = hostMappedSlot ? page.Map(0, Page.Size) : null;
        vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, s_pageGpa.Value, Page.Size,
            slotMapping?.Address.Value ?? 0, 0, page.Fd));

        uint mismatches = uint.MaxValue;
        X86RunResult result = guest.RunToHlt(io =>
        {
            mismatches = io.Value;
            return io.Port == Port;
        });

        byte[] after = new byte[Page.Size];
        using (HostMapping again = page.Map(0, Page.Size))
        {
            again.Read(0, after);
        }
        return (result, mismatches, after);
    }
}
