using Gmem.Vmm.Programs;
using static Gmem.Vmm.Conformance.Observe;

namespace Gmem.Vmm.Conformance;

// §4.6 guest execution and §4.7 pre-fault: the guest is a GuestProgram run by ProgramRunner (x86-64 at CPL3 on
// Kvm, bytecode on Reference).
public static partial class ConformanceSuite
{
    private static readonly Gpa s_fourGiB = new(4UL << 30);

    private static IEnumerable<ConformanceCase> Execution()
    {
        yield return new("49", "4.6", "gmem-only page at 4 GiB: the guest reads the host's 0xaa and writes 0xff; the host reads it back",
            "guest ok,host 0xff", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, Shared);
            IGuestMemfd page = x.Gmem(vm, Pg, Shared);
            using (HostMapping before = page.Map(0, Pg))
            {
                before.Write(0, Enumerable.Repeat((byte)0xAA, Pg).ToArray());
            }
            vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, s_fourGiB.Value, Pg, 0, 0, page.Fd));
            var reports = new GuestReportDecoder();
            VcpuExit last = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Verify(s_fourGiB, Pg, 0xAA).Fill(s_fourGiB, Pg, 0xFF), reports, _ => true);
            var after = new byte[Pg];
            using (HostMapping again = page.Map(0, Pg))
            {
                again.Read(0, after);
            }
            string guest = last is VcpuExit.Hlt && reports.Reports.Count == 0 ? "guest ok" : $"guest {last} {reports.Reports.Count} report(s)";
            return $"{guest},host {Uniform(after)}";
        });
        yield return new("50", "4.6", "SW_PROTECTED: a private read of a plain slot exits with a private memory fault",
            "MemoryFault 0xc0000000 +4096 PRIVATE EFAULT", x =>
        {
            IVirtualMachine vm = SwProtectedVm(x);
            var gpa = new Gpa(0xC000_0000);
            HostMapping backing = x.Own(x.Host.MapAnonymous(Pg));
            vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.None, gpa.Value, Pg, backing.Address.Value));
            try
            {
                vm.SetMemoryAttributes(gpa.Value, Pg, MemoryAttributes.Private);
            }
            catch (GmemException e) when (e.Errno == Errno.ENOTTY)
            {
                throw new ConformanceSkipException("per-VM memory attributes are off here (KVM_SET_MEMORY_ATTRIBUTES answers ENOTTY)");
            }
            VcpuExit last = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Touch(gpa, Pg), new GuestReportDecoder(), e => e is not VcpuExit.MemoryFault);
            return last is VcpuExit.MemoryFault f
                ? $"MemoryFault {f.Address} +{f.Size} {(f.IsPrivate ? "PRIVATE" : "SHARED")} {f.Errno}"
                : $"no fault: {last}";
        });
        yield return new("52", "4.6", "SW_PROTECTED + EXIT_HYPERCALL(1<<12): MAP_GPA_RANGE exits with nr 12 and (gpa, pages, attributes)",
            "Hypercall 12 0x100000 2 0x10", x =>
        {
            IVirtualMachine vm = SwProtectedVm(x);
            vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
            VcpuExit last = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Unshare(new Gpa(0x100000), 2 * (ulong)Pg), new GuestReportDecoder(),
                e => e is not VcpuExit.Hypercall);
            return last is VcpuExit.Hypercall h ? $"Hypercall {h.Nr} 0x{h.Args[0]:x} {h.Args[1]} 0x{h.Args[2]:x}" : $"no hypercall: {last}";
        });
        foreach (var (id, title, offset, length, expected) in new (string, string, ulong, ulong, string)[]
        {
            ("57", "pre-fault [0, 2 MiB) of a 2 MiB + 4 KiB slot", 0, Mib2, "ok,0 left"),
            ("58", "pre-fault [2 MiB, +2 pages): one page, then ENOENT", Mib2, 2 * (ulong)Pg, "ok,4096 left;ENOENT,4096 left"),
            ("59", "pre-fault entirely outside the slot", Mib2 + (ulong)Pg, (ulong)Pg, "ENOENT,4096 left"),
            ("61", "pre-fault with size 0", 0, 0, "EINVAL,0 left"),
        })
        {
            yield return new(id, "4.7", title, expected, x => PreFault(x, offset, length, calls: id == "58" ? 2 : 1));
        }
    }

    private static IVirtualMachine SwProtectedVm(ConformanceContext x)
    {
        IVirtualMachine probe = x.Vm();
        if ((probe.CheckExtension(Capability.VmTypes) & (1L << (int)VmType.SwProtected)) == 0)
        {
            throw new ConformanceSkipException($"no SW_PROTECTED VMs here (KVM_CAP_VM_TYPES = 0x{probe.CheckExtension(Capability.VmTypes):x})");
        }
        return x.Vm(VmType.SwProtected);
    }

    private static string PreFault(ConformanceContext x, ulong offset, ulong length, int calls)
    {
        IVirtualMachine vm = x.Vm();
        if (vm.CheckExtension(Capability.PreFaultMemory) == 0)
        {
            throw new ConformanceSkipException("KVM_CAP_PRE_FAULT_MEMORY is 0 here");
        }
        HostMapping backing = x.Own(x.Host.MapAnonymous((long)(Mib2 + (ulong)Pg)));
        vm.SetUserMemoryRegion(new UserMemoryRegion(10, MemslotFlags.None, s_fourGiB.Value, Mib2 + (ulong)Pg, backing.Address.Value));
        IVcpu vcpu = x.Own(vm.CreateVcpu(0));
        ulong gpa = s_fourGiB.Value + offset, size = length;
        var results = new List<string>();
        for (int i = 0; i < calls; i++)
        {
            results.Add($"{Outcome(() => vcpu.PreFaultMemory(ref gpa, ref size))},{size} left");
        }
        return string.Join(";", results);
    }
}
