// The spec's conformance scenarios (§4.1–§4.8) as data: each case does what the scenario says through the
// Gmem interfaces only, so the same case runs on every platform and the observations compare as text.
// Expected values are the spec's, for the 7.2 kernel; a platform that differs (the 6.18 kernel for
// overlapping bindings, say) shows up as a difference in `gmem conformance` and in docs/compatibility.md.
using static Gmem.Vmm.Conformance.Observe;

namespace Gmem.Vmm.Conformance;

/// <summary>The conformance scenarios and a runner for them.</summary>
public static partial class ConformanceSuite
{
    private const int Pg = Page.Size;
    private const GuestMemfdFlags Shared = GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared;

    /// <summary>Every case, in spec order.</summary>
    public static IReadOnlyList<ConformanceCase> Cases { get; } = [.. Creation(), .. FileSemantics(), .. Fallocate(), .. Mmap(), .. Memslots(), .. Execution(), .. InPlace()];

    /// <summary>Runs <paramref name="cases"/> (all when null) on <paramref name="hypervisor"/>.</summary>
    public static IReadOnlyList<ConformanceOutcome> Run(IHypervisor hypervisor, IEnumerable<ConformanceCase>? cases = null)
    {
        ArgumentNullException.ThrowIfNull(hypervisor);
        var outcomes = new List<ConformanceOutcome>();
        foreach (ConformanceCase c in cases ?? Cases)
        {
            using var context = new ConformanceContext(hypervisor);
            string observed;
            bool skipped = false;
            try
            {
                observed = c.Run(context);
            }
            catch (ConformanceSkipException skip)
            {
                observed = "skipped: " + skip.Message;
                skipped = true;
            }
            catch (GmemException e)
            {
                observed = $"setup failed: {e.Message}";
            }
            outcomes.Add(new ConformanceOutcome(c, hypervisor.Name, observed, skipped));
        }
        return outcomes;
    }

    private static IEnumerable<ConformanceCase> Creation()
    {
        yield return new("1", "4.1", "sizes 1 … PG−1 are refused", "EINVAL", x =>
        {
            var vm = x.Vm();
            return All(Enumerable.Range(1, Pg - 1).Where(s => s % 97 == 1 || s == Pg - 1).Select(s => (Action)(() => x.Gmem(vm, s))));
        });
        foreach (var (id, size) in new[] { ("2a", 0L), ("2b", Pg + 1L), ("2c", long.MinValue), ("2d", -(long)Pg) })
        {
            yield return new(id, "4.1", $"size {size} is refused", "EINVAL", x => Outcome(() => x.Gmem(x.Vm(), size)));
        }
        yield return new("3", "4.1", "sizes PG and 2·PG on one VM: two files, fstat sizes, distinct inodes", "4096,8192,distinct", x =>
        {
            var vm = x.Vm();
            FileStatus a = x.Host.FileStat(x.Gmem(vm, Pg).Fd), b = x.Host.FileStat(x.Gmem(vm, 2 * Pg).Fd);
            return $"{a.Size},{b.Size},{(a.Inode != b.Inode ? "distinct" : "same")}";
        });
        yield return new("4", "4.1", "each flag bit 0…63 is accepted exactly when GUEST_MEMFD_FLAGS has it", "consistent", x =>
        {
            var vm = x.Vm();
            ulong supported = (ulong)vm.CheckExtension(Capability.GuestMemfdFlags);
            var wrong = Enumerable.Range(0, 64).Where(bit =>
            {
                var flag = (GuestMemfdFlags)(1UL << bit);
                // The Reference-only huge-page flags need sizes that are multiples of their page.
                long size = flag == GuestMemfdFlags.Hugetlb2M ? Page.Size2M : flag == GuestMemfdFlags.Hugetlb1G ? Page.Size1G : Pg;
                string outcome = Outcome(() => x.Gmem(vm, size, flag));
                return outcome != ((supported & (1UL << bit)) != 0 ? "ok" : "EINVAL");
            }).ToList();
            return wrong.Count == 0 ? "consistent" : "bits " + string.Join(",", wrong);
        });
        yield return new("5", "4.1", "a default VM accepts MMAP and INIT_SHARED", "yes", x =>
            ((ulong)x.Vm().CheckExtension(Capability.GuestMemfdFlags) & (ulong)Shared) == (ulong)Shared ? "yes" : "no");
        yield return new("6", "4.1", "reserved[0] = 1 is accepted", "ok", x =>
            Outcome(() => x.Own(x.Vm().CreateGuestMemfd(Pg, GuestMemfdFlags.None, [1UL]))));
        yield return new("7", "4.1", "KVM_CREATE_GUEST_MEMFD on the /dev/kvm fd", "EINVAL", x =>
            Outcome(() => x.Host.Ioctl(x.Hypervisor.Fd, 0xC040AED4)));
    }

    private static IEnumerable<ConformanceCase> FileSemantics()
    {
        yield return new("9a", "4.2", "read and write of 64 bytes", "EINVAL", x =>
        {
            int fd = x.Gmem(x.Vm(), Pg).Fd;
            return All([() => x.Host.FileRead(fd, new byte[64]), () => x.Host.FileWrite(fd, new byte[64])]);
        });
        yield return new("9b", "4.2", "pread and pwrite of 64 bytes", "ESPIPE", x =>
        {
            int fd = x.Gmem(x.Vm(), Pg).Fd;
            return All([() => x.Host.FilePRead(fd, new byte[64], 0), () => x.Host.FilePWrite(fd, new byte[64], 0)]);
        });
        yield return new("10", "4.2", "fstat: st_size and st_blksize", $"size={4 * Pg},blksize={Pg}", x =>
        {
            FileStatus st = x.Host.FileStat(x.Gmem(x.Vm(), 4 * Pg).Fd);
            return $"size={st.Size},blksize={st.BlockSize}";
        });
        yield return new("11a", "4.2", "ftruncate to any size", "EINVAL", x =>
        {
            int fd = x.Gmem(x.Vm(), Pg).Fd;
            return All([() => x.Host.FileTruncate(fd, 0), () => x.Host.FileTruncate(fd, 2 * Pg)]);
        });
        yield return new("11b", "4.2", "lseek", "ESPIPE", x => Outcome(() => x.Host.FileSeek(x.Gmem(x.Vm(), Pg).Fd, 0, SeekOrigin.Begin)));
        yield return new("11c", "4.2", "an unknown ioctl", "ENOTTY", x => Outcome(() => x.Host.Ioctl(x.Gmem(x.Vm(), Pg).Fd, 0xAEFF)));
        yield return new("12", "4.2", "descriptor flags", "O_RDWR|O_LARGEFILE,no-cloexec", x =>
        {
            FileDescriptorState s = x.Host.GetDescriptorState(x.Gmem(x.Vm(), Pg).Fd);
            bool rdwr = (s.StatusFlags & FileDescriptorState.AccessModeMask) == FileDescriptorState.ReadWrite;
            bool large = (s.StatusFlags & FileDescriptorState.LargeFile) != 0;
            return $"{(rdwr ? "O_RDWR" : "not-rdwr")}|{(large ? "O_LARGEFILE" : "no-largefile")},{(s.CloseOnExec ? "cloexec" : "no-cloexec")}";
        });
        yield return new("12a", "4.2", "re-open by /proc/self/fd path; dup", "ENXIO,dup ok", x =>
        {
            int fd = x.Gmem(x.Vm(), Pg).Fd;
            string reopen = Outcome(() => x.Host.Close(x.Host.ReopenByPath(fd)));
            string dup = Outcome(() => x.Host.Close(x.Host.Dup(fd)));
            return $"{reopen},dup {dup}";
        });
    }
}
