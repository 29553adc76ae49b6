using static Gmem.Vmm.Conformance.Observe;

namespace Gmem.Vmm.Conformance;

// §4.3 fallocate and §4.4 mmap / host faults.
public static partial class ConformanceSuite
{
    private const int Keep = FallocateFlags.KeepSize, Punch = FallocateFlags.KeepSize | FallocateFlags.PunchHole;

    private static IEnumerable<ConformanceCase> Fallocate()
    {
        var table = new (string Id, string Title, int Mode, long Offset, long Length, string Expected)[]
        {
            ("13", "allocate the whole file", Keep, 0, 4 * Pg, "ok"),
            ("14", "punch at PG−1", Punch, Pg - 1, Pg, "EINVAL"),
            ("15", "allocate starting at EOF", Keep, 4 * Pg, Pg, "EINVAL"),
            ("16", "allocate past EOF", Keep, 5 * Pg, Pg, "EINVAL"),
            ("17", "punch starting at EOF", Punch, 4 * Pg, Pg, "ok"),
            ("18", "punch past EOF", Punch, 5 * Pg, Pg, "ok"),
            ("19", "punch PG−1 bytes", Punch, Pg, Pg - 1, "EINVAL"),
            ("22a", "mode 0", 0, 0, Pg, "EOPNOTSUPP"),
            ("22b", "PUNCH_HOLE without KEEP_SIZE", FallocateFlags.PunchHole, 0, Pg, "EOPNOTSUPP"),
            ("22c", "KEEP_SIZE|ZERO_RANGE", Keep | FallocateFlags.ZeroRange, 0, Pg, "EOPNOTSUPP"),
            ("23a", "allocate straddling EOF", Keep, 3 * Pg, 2 * Pg, "EINVAL"),
            ("23b", "length 0", Keep, 0, 0, "EINVAL"),
            ("23c", "negative offset", Keep, -Pg, Pg, "EINVAL"),
            ("23d", "offset + length beyond 2^63", Keep, long.MaxValue - Pg + 1, 2 * Pg, "EFBIG"),
        };
        foreach (var row in table)
        {
            yield return new(row.Id, "4.3", $"fallocate: {row.Title}", row.Expected, x =>
                Outcome(() => x.Gmem(x.Vm(), 4 * Pg).Fallocate(row.Mode, row.Offset, row.Length)));
        }
        yield return new("20", "4.3", "punch a page, then allocate the hole again", "ok,ok", x =>
        {
            IGuestMemfd g = x.Gmem(x.Vm(), 4 * Pg);
            return $"{Outcome(() => g.Fallocate(Punch, Pg, Pg))},{Outcome(() => g.Fallocate(Keep, Pg, Pg))}";
        });
        yield return new("21", "4.3", "punch-hole misalignments (0,1) … (PG,PG+1)", "EINVAL", x =>
        {
            IGuestMemfd g = x.Gmem(x.Vm(), 4 * Pg);
            (long, long)[] bad = [(0, 1), (0, Pg - 1), (0, Pg + 1), (1, 1), (1, Pg - 1), (1, Pg), (1, Pg + 1), (Pg, 1), (Pg, Pg - 1), (Pg, Pg + 1)];
            return All(bad.Select(b => (Action)(() => g.Fallocate(Punch, b.Item1, b.Item2))));
        });
        yield return new("24", "4.3", "punch and allocate after the VM fd is closed", "ok,ok", x =>
        {
            IVirtualMachine vm = x.Hypervisor.CreateVm();
            IGuestMemfd g = x.Gmem(vm, 4 * Pg);
            vm.Dispose();
            return $"{Outcome(() => g.Fallocate(Punch, 0, 4 * Pg))},{Outcome(() => g.Fallocate(Keep, 0, 4 * Pg))}";
        });
    }

    private static IEnumerable<ConformanceCase> Mmap()
    {
        yield return new("25", "4.4", "mmap of a file without MMAP", "ENODEV", x =>
        {
            IGuestMemfd g = x.Gmem(x.Vm(), 4 * Pg);
            return All([() => x.Own(g.Map(0, Pg)), () => x.Own(g.Map(0, 4 * Pg))]);
        });
        yield return new("26", "4.4", "mmap MAP_PRIVATE", "EINVAL", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, Shared);
            int fd = x.Gmem(vm, 4 * Pg, Shared).Fd;
            return Outcome(() => x.Own(x.Host.MapFile(fd, 0, Pg, MapProtection.ReadWrite, MapFlags.Private)));
        });
        yield return new("27", "4.4", "fill 0xaa, punch page 0, read back, write page 0 again", "0x00,0xaa,0xaa", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, Shared);
            IGuestMemfd g = x.Gmem(vm, 4 * Pg, Shared);
            HostMapping m = x.Own(g.Map(0, 4 * Pg));
            m.Write(0, Enumerable.Repeat((byte)0xAA, 4 * Pg).ToArray());
            g.Fallocate(FallocateMode.PunchHole, 0, Pg);
            var page0 = new byte[Pg];
            var rest = new byte[3 * Pg];
            m.Read(0, page0);
            m.Read(Pg, rest);
            m.Write(0, Enumerable.Repeat((byte)0xAA, Pg).ToArray());
            var again = new byte[Pg];
            m.Read(0, again);
            return $"{Uniform(page0)},{Uniform(rest)},{Uniform(again)}";
        });
        yield return new("28", "4.4", "a mapping longer than the file: beyond EOF faults, the file part reads back", "SIGBUS,SIGBUS,0xaa", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, Shared);
            IGuestMemfd g = x.Gmem(vm, 4 * Pg, Shared);
            HostMapping m = x.Own(g.Map(0, 16 * Pg));
            string fill = Outcome(() => m.Write(0, Enumerable.Repeat((byte)0xAA, 16 * Pg).ToArray()));
            string read = Outcome(() => m.Read(4 * Pg, new byte[1]));
            m.Write(0, Enumerable.Repeat((byte)0xAA, 4 * Pg).ToArray());
            var back = new byte[4 * Pg];
            m.Read(0, back);
            return $"{fill},{read},{Uniform(back)}";
        });
        yield return new("29", "4.4", "MMAP without INIT_SHARED: every access faults", "SIGBUS,SIGBUS", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, GuestMemfdFlags.Mmap);
            HostMapping m = x.Own(x.Gmem(vm, 4 * Pg, GuestMemfdFlags.Mmap).Map(0, 4 * Pg));
            return $"{Outcome(() => m.Write(0, new byte[4 * Pg]))},{Outcome(() => m.Read(0, new byte[1]))}";
        });
        yield return new("31", "4.4", "fresh page reads 0; MADV_DONTNEED keeps data; PROT_EXEC refused", "0x00,0x5a,EACCES", x =>
        {
            var vm = x.Vm();
            ConformanceContext.RequireFlags(vm, Shared);
            HostMapping m = x.Own(x.Gmem(vm, Pg, Shared).Map(0, Pg));
            var page = new byte[Pg];
            m.Read(0, page);
            string fresh = Uniform(page);
            m.Write(0, Enumerable.Repeat((byte)0x5A, Pg).ToArray());
            x.Host.Advise(m.Address, Pg, MemoryAdvice.DontNeed);
            m.Read(0, page);
            return $"{fresh},{Uniform(page)},{Outcome(() => x.Host.Protect(m.Address, Pg, MapProtection.Read | MapProtection.Exec))}";
        });
    }

    /// <summary>"0xNN" when every byte is NN, else "mixed".</summary>
    private static string Uniform(byte[] bytes) =>
        bytes.Length > 0 && Array.TrueForAll(bytes, b => b == bytes[0]) ? $"0x{bytes[0]:x2}" : "mixed";
}
