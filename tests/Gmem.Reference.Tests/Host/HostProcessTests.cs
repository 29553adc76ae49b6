using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Host;

namespace Gmem.Reference.Tests.Host;

/// <summary>The Reference host process: one descriptor table, an address space, user copies that never crash.</summary>
public sealed class HostProcessTests
{
    private const long Pg = Page.Size;

    [Fact]
    public void Descriptors_LowestFreeNumber_EbadfForUnknown()
    {
        using var host = new ReferenceTestHost();
        IHostProcess p = host.Host;
        Assert.Equal(3, host.Hypervisor.Fd);
        int a = p.CreateMemfd("a", Pg);
        int b = p.CreateMemfd("b", Pg);
        Assert.Equal((4, 5), (a, b));
        p.Close(a);
        Assert.Equal(4, p.CreateMemfd("c", Pg));
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => p.Close(-1)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => p.Close(999)).Errno);
        p.Close(b);
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => p.Close(b)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => p.FileStat(b)).Errno);
    }

    [Fact]
    public void OneTable_VmFdAndSystemFdAreNotGuestMemoryFiles()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        int memfd = host.Host.CreateMemfd("m", Pg);
        foreach ((int fd, bool isGmem) in new[] { (host.Hypervisor.Fd, false), (vm.Fd, false), (memfd, false), (gmem.Fd, true) })
        {
            HostFile file = host.Process.GetFile(fd, "test");
            try
            {
                Assert.Equal(isGmem, file is GuestMemfdFile);
            }
            finally
            {
                file.Put();
            }
        }
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => host.Process.GetFile(-1, "test")).Errno);
        Assert.True(host.Host.GetDescriptorState(vm.Fd).CloseOnExec, "VM descriptors are O_CLOEXEC");
    }

    [Fact]
    public void VmAndSystemDescriptors_FileCallsAsOnTheLiveKernel()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IHostProcess p = host.Host;
        var buffer = new byte[8];
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileRead(vm.Fd, buffer)).Errno);
        Assert.Equal(Errno.ESPIPE, Assert.Throws<GmemException>(() => p.FilePRead(vm.Fd, buffer, 0)).Errno);
        Assert.Equal(0, p.FileSeek(vm.Fd, 0, SeekOrigin.Begin));
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileTruncate(vm.Fd, 0)).Errno);
        Assert.Equal(Errno.ENOTTY, Assert.Throws<GmemException>(() => p.Ioctl(vm.Fd, 0x1234)).Errno);
        Assert.Equal(Errno.ENXIO, Assert.Throws<GmemException>(() => p.ReopenByPath(vm.Fd)).Errno);
        Assert.Equal(Errno.ENODEV, Assert.Throws<GmemException>(() => host.Process.Fallocate(vm.Fd, FallocateFlags.KeepSize, 0, Pg)).Errno);
        Assert.Equal(new FileDescriptorState(FileDescriptorState.ReadWrite, true), p.GetDescriptorState(vm.Fd));
        int kvm = host.Hypervisor.Fd;
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.FileRead(kvm, buffer)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => p.Ioctl(kvm, 0x1234)).Errno);
        Assert.Equal(Errno.ENODEV, Assert.Throws<GmemException>(() => host.Process.Fallocate(kvm, FallocateFlags.KeepSize, 0, Pg)).Errno);
        int again = p.ReopenByPath(kvm);
        Assert.Equal(0x2180u, p.FileStat(again).Mode);
        p.Close(again);
    }

    [Fact]
    public void Anonymous_ZeroFilled_ReadWrite_UnmapThenEfault()
    {
        using var host = new ReferenceTestHost();
        HostMapping map = host.Host.MapAnonymous(3 * Pg);
        var buffer = new byte[3 * Pg];
        map.Read(0, buffer);
        Assert.All(buffer, b => Assert.Equal(0, b));
        byte[] pattern = Enumerable.Range(0, (int)(3 * Pg)).Select(i => (byte)i).ToArray();
        map.Write(0, pattern);
        map.Read(0, buffer);
        Assert.Equal(pattern, buffer);
        Hva address = map.Address;
        long frames = host.Hypervisor.Frames.AllocatedFrames;
        map.Dispose();
        Assert.Equal(frames - 3, host.Hypervisor.Frames.AllocatedFrames);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => host.Host.Read(address, new byte[1])).Errno);
    }

    [Fact]
    public void Access_PastTheEndOfAMapping_EfaultAfterCopyingTheMappedPart()
    {
        using var host = new ReferenceTestHost();
        using HostMapping map = host.Host.MapAnonymous(Pg);
        var big = new byte[2 * Pg];
        Array.Fill(big, (byte)5);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => host.Host.Write(map.Address, big)).Errno);
        var one = new byte[1];
        map.Read(Pg - 1, one);
        Assert.Equal(5, one[0]);
    }

    [Fact]
    public void Protect_NoneThenRead_Efault_DontNeedDropsAnonymousData()
    {
        using var host = new ReferenceTestHost();
        using HostMapping map = host.Host.MapAnonymous(2 * Pg);
        map.Write(0, [9]);
        map.Write(Pg, [8]);
        host.Host.Protect(map.Address + Pg, Pg, MapProtection.None);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => map.Read(Pg, new byte[1])).Errno);
        Assert.Equal(2, host.Process.AddressSpace.AreaCount);
        host.Host.Protect(map.Address + Pg, Pg, MapProtection.ReadWrite);
        host.Host.Advise(map.Address, 2 * Pg, MemoryAdvice.DontNeed);
        var one = new byte[1];
        map.Read(0, one);
        Assert.Equal(0, one[0]);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<GmemException>(() => host.Host.Protect(map.Address, 3 * Pg, MapProtection.Read)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => host.Host.Protect(map.Address + 1, Pg, MapProtection.Read)).Errno);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<GmemException>(() => host.Host.Advise(new Hva(0x1000), Pg, MemoryAdvice.DontNeed)).Errno);
    }

    [Fact]
    public void Memfd_FileCallsAndSharedAndPrivateMappings()
    {
        using var host = new ReferenceTestHost();
        IHostProcess p = host.Host;
        int fd = p.CreateMemfd("backing", 2 * Pg);
        Assert.Equal(4, p.FileWrite(fd, [1, 2, 3, 4]));
        Assert.Equal(2, p.FileSeek(fd, 2, SeekOrigin.Begin));
        var two = new byte[2];
        Assert.Equal(2, p.FileRead(fd, two));
        Assert.Equal(new byte[] { 3, 4 }, two);
        using HostMapping shared = p.MapFile(fd, 0, 2 * Pg, MapProtection.ReadWrite, MapFlags.Shared);
        using HostMapping copy = p.MapFile(fd, 0, 2 * Pg, MapProtection.ReadWrite, MapFlags.Private);
        shared.Read(0, two);
        Assert.Equal(new byte[] { 1, 2 }, two);
        copy.Write(0, [0x70]);
        shared.Read(0, two);
        Assert.Equal(1, two[0]);
        shared.Write(Pg, [0x55]);
        copy.Read(Pg, two);
        Assert.Equal(0x55, two[0]);
        Assert.Equal(2, p.FilePRead(fd, two, Pg));
        Assert.Equal(0x55, two[0]);
        p.FileTruncate(fd, Pg);
        Assert.Throws<HostAccessFault>(() => shared.Read(Pg, two));
        Assert.Equal(Pg, p.FileStat(fd).Size);
        int again = p.ReopenByPath(fd);
        Assert.Equal(Pg, p.FileStat(again).Size);
        p.Close(again);
        p.Close(fd);
        shared.Read(0, two);
        Assert.Equal(1, two[0]);
    }

    [Fact]
    public void ReadWrite_RandomAddresses_NeverCrash()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd shared = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using IGuestMemfd privateFile = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        using HostMapping a = host.Host.MapAnonymous(8 * Pg);
        using HostMapping s = shared.Map(0, 8 * Pg);
        using HostMapping q = privateFile.Map(0, 4 * Pg);
        host.Host.Protect(a.Address + 2 * Pg, Pg, MapProtection.None);
        Hva low = a.Address + -4 * Pg;
        ulong span = q.Address.Value + 16 * (ulong)Pg - low.Value;
        var random = new Random(1234);
        var buffer = new byte[3 * Pg];
        int faults = 0, efaults = 0, ok = 0;
        for (int i = 0; i < 3000; i++)
        {
            var at = new Hva(low.Value + (ulong)random.NextInt64((long)span));
            int length = random.Next(1, buffer.Length);
            try
            {
                if (random.Next(2) == 0)
                {
                    host.Host.Read(at, buffer.AsSpan(0, length));
                }
                else
                {
                    host.Host.Write(at, buffer.AsSpan(0, length));
                }
                ok++;
            }
            catch (HostAccessFault)
            {
                faults++;
            }
            catch (GmemException e)
            {
                Assert.Equal(Errno.EFAULT, e.Errno);
                efaults++;
            }
        }
        Assert.True(ok > 0 && faults > 0 && efaults > 0, $"all three outcomes occur (ok {ok}, SIGBUS {faults}, EFAULT {efaults})");
    }
}
