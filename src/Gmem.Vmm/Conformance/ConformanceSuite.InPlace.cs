using Gmem.Vmm.Programs;
using static Gmem.Vmm.Conformance.Observe;

namespace Gmem.Vmm.Conformance;

// §4.8 in-place conversion (the in-flight per-file attributes, spec §2.18): only where the platform keeps
// attributes per guest memory file; elsewhere the ioctl answers ENOTTY and the cases are skipped with that reason.
public static partial class ConformanceSuite
{
    private static IEnumerable<ConformanceCase> InPlace()
    {
        yield return new("63", "4.8", "MMAP-only file: host SIGBUS; the guest writes privately; to shared the host reads the guest's value; back to private SIGBUS again",
            "SIGBUS,0x42,SIGBUS,guest sees 0x43", x =>
        {
            var (vm, file, map) = InPlaceFile(x, GuestMemfdFlags.Mmap, 1);
            string before = Outcome(() => map.Read(0, new byte[1]));
            VcpuExit first = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Fill(s_fourGiB, Pg, 0x42), new GuestReportDecoder(), _ => true);
            if (first is not VcpuExit.Hlt)
            {
                return $"the guest's private write ended in {first}";
            }
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.None);
            var page = new byte[Pg];
            map.Read(0, page);
            string shared = Uniform(page);
            map.Write(0, Enumerable.Repeat((byte)0x43, Pg).ToArray());
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.Private);
            string after = Outcome(() => map.Read(0, new byte[1]));
            var reports = new GuestReportDecoder();
            VcpuExit second = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Verify(s_fourGiB, Pg, 0x43), reports, _ => true, vcpuId: 1);
            string guest = second is not VcpuExit.Hlt ? $"guest ended in {second}" : reports.Reports.Count == 0 ? "guest sees 0x43" : "guest sees otherwise";
            return $"{before},{shared},{after},{guest}";
        });
        yield return new("64", "4.8", "INIT_SHARED: the host writes, to private the host faults and the guest sees it, the guest writes, to shared the host sees that",
            "SIGBUS,guest sees 0x11,host 0x22", x =>
        {
            var (vm, file, map) = InPlaceFile(x, Shared, 1);
            map.Write(0, Enumerable.Repeat((byte)0x11, Pg).ToArray());
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.Private);
            string fault = Outcome(() => map.Read(0, new byte[1]));
            var reports = new GuestReportDecoder();
            VcpuExit run = ProgramRunner.Run(x.Hypervisor, vm, new GuestProgram().Verify(s_fourGiB, Pg, 0x11).Fill(s_fourGiB, Pg, 0x22), reports, _ => true);
            string guest = run is not VcpuExit.Hlt ? $"guest ended in {run}" : reports.Reports.Count == 0 ? "guest sees 0x11" : "guest sees otherwise";
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.None);
            var page = new byte[Pg];
            map.Read(0, page);
            return $"{fault},{guest},host {Uniform(page)}";
        });
        yield return new("65", "4.8", "4-page INIT_SHARED file: converting page k leaves the others shared with their values",
            "k=0 ok,k=1 ok,k=2 ok,k=3 ok", x =>
        {
            var results = new List<string>();
            for (int k = 0; k < 4; k++)
            {
                var (_, file, map) = InPlaceFile(x, Shared, 4);
                for (int p = 0; p < 4; p++)
                {
                    map.Write((long)p * Pg, Enumerable.Repeat((byte)(0x10 + p), Pg).ToArray());
                }
                file.SetMemoryAttributes((long)k * Pg, Pg, MemoryAttributes.Private);
                bool ok = true;
                for (int p = 0; p < 4; p++)
                {
                    var page = new byte[Pg];
                    string outcome = Outcome(() => map.Read((long)p * Pg, page));
                    ok &= p == k ? outcome == "SIGBUS" : outcome == "ok" && Uniform(page) == $"0x{0x10 + p:x2}";
                }
                results.Add($"k={k} {(ok ? "ok" : "wrong")}");
            }
            return string.Join(",", results);
        });
        yield return new("66", "4.8", "conversion before any allocation is recorded and applies on first fault", "shared reads 0x00,private SIGBUS", x =>
        {
            var (_, file, map) = InPlaceFile(x, GuestMemfdFlags.Mmap, 2);
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.None);          // page 0: shared before it exists
            var page = new byte[Pg];
            string shared = Outcome(() => map.Read(0, page)) == "ok" ? $"shared reads {Uniform(page)}" : "shared faults";
            file.SetMemoryAttributes(0, 2 * Pg, MemoryAttributes.Private);   // both private again before page 1 exists
            return $"{shared},private {Outcome(() => map.Read(Pg, new byte[1]))}";
        });
        yield return new("68", "4.8", "punch hole keeps the shared/private state", "SIGBUS after punch,shared page reads 0", x =>
        {
            var (_, file, map) = InPlaceFile(x, Shared, 2);
            map.Write(0, Enumerable.Repeat((byte)0x77, 2 * Pg).ToArray());
            file.SetMemoryAttributes(0, Pg, MemoryAttributes.Private);
            file.Fallocate(FallocateMode.PunchHole, 0, 2 * Pg);
            string privatePage = Outcome(() => map.Read(0, new byte[1]));
            var page = new byte[Pg];
            map.Read(Pg, page);
            return $"{privatePage} after punch,shared page reads {(Uniform(page) == "0x00" ? "0" : Uniform(page))}";
        });
    }

    private static (IVirtualMachine Vm, IGuestMemfd File, HostMapping Map) InPlaceFile(ConformanceContext x, GuestMemfdFlags flags, int pages)
    {
        // A VM with private memory: its guest accesses take the kind the file's attribute says (spec §2.9).
        IVirtualMachine vm = SwProtectedVm(x);
        ConformanceContext.RequireFlags(vm, flags);
        IGuestMemfd file = x.Gmem(vm, (long)pages * Pg, flags);
        try
        {
            file.SetMemoryAttributes(0, (long)pages * Pg, (flags & GuestMemfdFlags.InitShared) != 0 ? MemoryAttributes.None : MemoryAttributes.Private);
        }
        catch (GmemException e) when (e.Errno == Errno.ENOTTY)
        {
            throw new ConformanceSkipException("attributes are per VM here: in-place conversion on the guest memory file answers ENOTTY");
        }
        vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.GuestMemfd, s_fourGiB.Value, (ulong)pages * Pg, 0, 0, file.Fd));
        return (vm, file, x.Own(file.Map(0, (long)pages * Pg)));
    }
}
