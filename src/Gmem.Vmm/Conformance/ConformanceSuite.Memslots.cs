using static Gmem.Vmm.Conformance.Observe;

namespace Gmem.Vmm.Conformance;

// §4.5 memslots and gmem binding (KVM_SET_USER_MEMORY_REGION2 and v1).
public static partial class ConformanceSuite
{
    private const ulong Mib2 = 2UL << 20;
    private const MemslotFlags GmemSlot = MemslotFlags.GuestMemfd;

    private static UserMemoryRegion Bind(uint slot, ulong gpa, ulong size, IGuestMemfd g, long offset = 0) =>
        new(slot, GmemSlot, gpa, size, 0, offset, g.Fd);

    private static IEnumerable<ConformanceCase> Memslots()
    {
        yield return new("34", "4.5", "v1 with the GUEST_MEMFD flag", "EINVAL", x =>
            Outcome(() => x.Vm().SetUserMemoryRegionLegacy(new UserMemoryRegion(0, GmemSlot, 0, Mib2, 0))));
        yield return new("35", "4.5", "every undefined flag bit 3…31, v1 and v2", "EINVAL", x =>
        {
            var vm = x.Vm();
            HostMapping backing = x.Own(x.Host.MapAnonymous((long)Mib2));
            return All(Enumerable.Range(3, 29).SelectMany(bit =>
            {
                var region = new UserMemoryRegion(0, (MemslotFlags)(1u << bit), 0, Mib2, backing.Address.Value);
                return new Action[] { () => vm.SetUserMemoryRegion(region), () => vm.SetUserMemoryRegionLegacy(region) };
            }));
        });
        yield return new("36", "4.5", "GUEST_MEMFD with LOG_DIRTY_PAGES, with READONLY", "EINVAL", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, (long)Mib2);
            return All([
                () => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g) with { Flags = GmemSlot | MemslotFlags.LogDirtyPages }),
                () => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g) with { Flags = GmemSlot | MemslotFlags.ReadOnly }),
            ]);
        });
        yield return new("37", "4.5", "guest_memfd = /dev/kvm fd, VM fd, a memfd, another VM's guest_memfd", "EINVAL", x =>
        {
            var vm = x.Vm();
            int memfd = x.Host.CreateMemfd("gmem-conformance", (long)Mib2);
            IGuestMemfd foreign = x.Gmem(x.Vm(), (long)Mib2);
            try
            {
                return All(new[] { x.Hypervisor.Fd, vm.Fd, memfd, foreign.Fd }.Select(fd =>
                    (Action)(() => vm.SetUserMemoryRegion(new UserMemoryRegion(0, GmemSlot, 0, Mib2, 0, 0, fd)))));
            }
            finally
            {
                x.Host.Close(memfd);
            }
        });
        yield return new("38", "4.5", "guest_memfd = -1, an unopened number", "EBADF", x =>
        {
            var vm = x.Vm();
            return All(new[] { -1, 100_000 }.Select(fd => (Action)(() => vm.SetUserMemoryRegion(new UserMemoryRegion(0, GmemSlot, 0, Mib2, 0, 0, fd)))));
        });
        yield return new("39", "4.5", "gmem offsets 1 … PG−1", "EINVAL", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, 2 * (long)Mib2);
            return All(new long[] { 1, 8, 511, 2048, Pg - 1 }.Select(o => (Action)(() => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g, o)))));
        });
        yield return new("40", "4.5", "offset + size beyond the file; offset = file size", "EINVAL", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, (long)Mib2);
            return All([() => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g, Pg)), () => vm.SetUserMemoryRegion(Bind(0, 0, Pg, g, (long)Mib2))]);
        });
        yield return new("41", "4.5", "bind another VM's file in its own VM; bind own file at offset 0", "ok", x =>
        {
            IVirtualMachine vm = x.Vm(), other = x.Vm();
            return All([
                () => other.SetUserMemoryRegion(Bind(0, 0, Mib2, x.Gmem(other, (long)Mib2))),
                () => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, x.Gmem(vm, (long)Mib2))),
            ]);
        });
        yield return new("42", "4.5", "two slots bind disjoint halves; a third overlaps one half's file range", "ok,ok,EEXIST", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, 4 * (long)Mib2);
            string a = Outcome(() => vm.SetUserMemoryRegion(Bind(0, 0, 2 * Mib2, g)));
            string b = Outcome(() => vm.SetUserMemoryRegion(Bind(1, 2 * Mib2, 2 * Mib2, g, 2 * (long)Mib2)));
            string c = Outcome(() => vm.SetUserMemoryRegion(Bind(2, 8 * Mib2, 2 * Mib2, g, (long)Mib2)));
            return $"{a},{b},{c}";
        });
        yield return new("43", "4.5", "a slot whose GPA range overlaps an existing slot", "EEXIST", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, 4 * (long)Mib2);
            vm.SetUserMemoryRegion(Bind(0, 0, 2 * Mib2, g));
            return Outcome(() => vm.SetUserMemoryRegion(Bind(1, Mib2, 2 * Mib2, g, 2 * (long)Mib2)));
        });
        yield return new("44", "4.5", "re-issue a gmem slot, move it, add GUEST_MEMFD to a plain slot", "EINVAL", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, 2 * (long)Mib2);
            HostMapping backing = x.Own(x.Host.MapAnonymous((long)Mib2));
            vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g));
            vm.SetUserMemoryRegion(new UserMemoryRegion(1, MemslotFlags.None, 4 * Mib2, Mib2, backing.Address.Value));
            return All([
                () => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g)),
                () => vm.SetUserMemoryRegion(Bind(0, 2 * Mib2, Mib2, g)),
                () => vm.SetUserMemoryRegion(new UserMemoryRegion(1, GmemSlot, 4 * Mib2, Mib2, backing.Address.Value, (long)Mib2, g.Fd)),
            ]);
        });
        yield return new("45", "4.5", "delete a gmem slot, delete again, bind the range again", "ok,EINVAL,ok", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = x.Gmem(vm, (long)Mib2);
            vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g));
            var delete = new UserMemoryRegion(0, GmemSlot, 0, 0, 0, 0, -1);
            return $"{Outcome(() => vm.SetUserMemoryRegion(delete))},{Outcome(() => vm.SetUserMemoryRegion(delete))},"
                + Outcome(() => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g)));
        });
        yield return new("46", "4.5", "close the file while bound, then delete the slot", "ok", x =>
        {
            var vm = x.Vm();
            IGuestMemfd g = vm.CreateGuestMemfd((long)Mib2, GuestMemfdFlags.None);
            vm.SetUserMemoryRegion(Bind(0, 0, Mib2, g));
            g.Dispose();
            return Outcome(() => vm.SetUserMemoryRegion(new UserMemoryRegion(0, GmemSlot, 0, 0, 0, 0, -1)));
        });
        yield return new("47", "4.5", "a gmem-only slot (MMAP file) with userspace_addr 0", "ok", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, GuestMemfdFlags.Mmap);
            return Outcome(() => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, x.Gmem(vm, (long)Mib2, GuestMemfdFlags.Mmap))));
        });
        yield return new("48", "4.5", "offset 0x7FFF_FFFF_FFFF_F000 + 2 MiB on a 4 MiB file (signed-overflow bug)", "EINVAL", x =>
        {
            var vm = x.Vm();
            return Outcome(() => vm.SetUserMemoryRegion(Bind(0, 0, Mib2, x.Gmem(vm, 2 * (long)Mib2), 0x7FFF_FFFF_FFFF_F000)));
        });
    }
}
