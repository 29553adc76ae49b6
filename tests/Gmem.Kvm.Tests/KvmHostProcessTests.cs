using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Kvm.Tests;

/// <summary>
/// Host user copies through <see cref="KvmHostProcess"/> (process_vm_readv/writev on the own pid): a bad
/// page comes back as an exception and the test process keeps running — asserted by using the process
/// (another access) after every failure.
/// </summary>
public class KvmHostProcessTests
{
    private const int Pg = Page.Size;

    [KvmFact]
    public void Read_PastGuestMemfdEnd_HostAccessFaultAndProcessLives()
    {
        using var kvm = KvmHypervisor.Open();
        using var vm = kvm.CreateVm();
        using var gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        map.Write(0, [1, 2, 3]);
        byte[] buffer = new byte[16];
        var fault = Assert.Throws<HostAccessFault>(() => kvm.Host.Read(map.Address + (long)Pg, buffer));
        Assert.Equal(map.Address + (long)Pg, fault.Address);
        Assert.Equal(Errno.EFAULT, fault.Errno);
        map.Read(0, buffer.AsSpan(0, 3));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
    }

    [KvmFact]
    public void Read_StraddlingGuestMemfdEnd_FaultNamesFirstBadPage()
    {
        using var kvm = KvmHypervisor.Open();
        using var vm = kvm.CreateVm();
        using var gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using HostMapping map = gmem.Map(0, 2 * Pg);
        byte[] buffer = new byte[64];
        var fault = Assert.Throws<HostAccessFault>(() => kvm.Host.Read(map.Address + (long)(Pg - 32), buffer));
        Assert.Equal(map.Address + (long)Pg, fault.Address);
    }

    [KvmFact]
    public void Write_PastGuestMemfdEnd_HostAccessFault()
    {
        using var kvm = KvmHypervisor.Open();
        using var vm = kvm.CreateVm();
        using var gmem = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        using HostMapping map = gmem.Map(0, 2 * Pg);
        Assert.Throws<HostAccessFault>(() => kvm.Host.Write(map.Address + (long)Pg, [0xAA]));
        map.Write(0, [0xAA]);
    }

    [KvmFact]
    public void Read_MmapWithoutInitShared_HostAccessFault()
    {
        using var kvm = KvmHypervisor.Open();
        using var vm = kvm.CreateVm();
        using var gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        var fault = Assert.Throws<HostAccessFault>(() => kvm.Host.Read(map.Address, new byte[1]));
        Assert.Equal(map.Address, fault.Address);
        Assert.Throws<HostAccessFault>(() => kvm.Host.Write(map.Address + 100L, new byte[8]));
    }

    [Theory]
    [InlineData(0x1000ul)]                  // below mmap_min_addr: never mapped
    [InlineData(0xF000ul)]
    [InlineData(0x8000_0000_0000_0000ul)]   // non-canonical
    public void Read_UnmappedAddress_EfaultNotHostAccessFault(ulong address)
    {
        var e = Assert.Throws<GmemException>(() => KvmHostProcess.Current.Read(new Hva(address), new byte[8]));
        Assert.IsNotType<HostAccessFault>(e);
        Assert.Equal(Errno.EFAULT, e.Errno);
        var w = Assert.Throws<GmemException>(() => KvmHostProcess.Current.Write(new Hva(address), new byte[8]));
        Assert.Equal(Errno.EFAULT, w.Errno);
    }

    [Fact]
    public void Read_ProtNonePage_EfaultAndNeighbourStillReadable()
    {
        KvmHostProcess host = KvmHostProcess.Current;
        using HostMapping map = host.MapAnonymous(2 * Pg);
        map.Write(0, [7]);
        host.Protect(map.Address + (long)Pg, Pg, MapProtection.None);
        var e = Assert.Throws<GmemException>(() => host.Read(map.Address + (long)Pg, new byte[4]));
        Assert.IsNotType<HostAccessFault>(e);
        Assert.Equal(Errno.EFAULT, e.Errno);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => host.Write(map.Address + (long)Pg, new byte[4])).Errno);
        byte[] one = new byte[1];
        map.Read(0, one);
        Assert.Equal(7, one[0]);
    }

    [Fact]
    public void Write_ReadOnlyPage_Efault()
    {
        KvmHostProcess host = KvmHostProcess.Current;
        using HostMapping map = host.MapAnonymous(Pg);
        host.Protect(map.Address, Pg, MapProtection.Read);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => host.Write(map.Address, new byte[4])).Errno);
        host.Read(map.Address, new byte[4]);
    }

    [Fact]
    public void ReadWrite_AnonymousMapping_RoundTripsAcrossPages()
    {
        KvmHostProcess host = KvmHostProcess.Current;
        using HostMapping map = host.MapAnonymous(3 * Pg);
        byte[] data = Enumerable.Range(0, 2 * Pg).Select(i => (byte)(i * 7)).ToArray();
        host.Write(map.Address + 100L, data);
        byte[] back = new byte[data.Length];
        host.Read(map.Address + 100L, back);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Close_DescriptorNotOpenedThroughGmem_Ebadf()
    {
        using var file = File.OpenHandle("/proc/self/stat");
        int fd = (int)file.DangerousGetHandle();
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => KvmHostProcess.Current.Close(fd)).Errno);
    }

    [Fact]
    public void CreateMemfd_CloseThenUse_Ebadf()
    {
        KvmHostProcess host = KvmHostProcess.Current;
        int fd = host.CreateMemfd("gmem-test", 2 * Pg);
        Assert.Equal(2L * Pg, host.FileStat(fd).Size);
        host.Close(fd);
        Assert.Equal(Errno.EBADF, Assert.Throws<GmemException>(() => host.Close(fd)).Errno);
    }
}
