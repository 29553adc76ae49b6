namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>Release rules (spec §2.10): a file lives while a descriptor or a mapping refers to it; it pins the VM.</summary>
public sealed class GuestMemfdLifetimeTests
{
    private const long Pg = Page.Size;

    [Fact]
    public void Mapping_KeepsFileBindingsAndVm_AfterAllDescriptorsClose_Scenario12b()
    {
        using var host = new ReferenceTestHost();
        var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        var binding = ReferenceTestHost.Bind(vm, gmem, 0x10, 0, 4 * (ulong)Pg);
        var file = ReferenceTestHost.FileOf(gmem);
        HostMapping map = gmem.Map(0, 4 * Pg);
        map.Write(0, [0x42]);
        gmem.Dispose();
        vm.Dispose();
        Assert.True(file.IsLive, "the mapping keeps the file");
        Assert.False(vm.IsDestroyed, "the file keeps the VM");
        Assert.Same(file, binding.File);
        var one = new byte[1];
        map.Read(0, one);
        Assert.Equal(0x42, one[0]);
        map.Write(Pg, [0x43]);
        long before = host.Hypervisor.Frames.AllocatedFrames;
        map.Dispose();
        Assert.False(file.IsLive, "released with the last mapping");
        Assert.True(vm.IsDestroyed, "the VM goes with its last file");
        Assert.Null(binding.File);
        Assert.Equal(before - 2, host.Hypervisor.Frames.AllocatedFrames);
    }

    [Fact]
    public void Release_FreesEveryFrame()
    {
        using var host = new ReferenceTestHost();
        long baseline = host.Hypervisor.Frames.AllocatedFrames;
        using (var vm = host.CreateVm())
        using (IGuestMemfd gmem = vm.CreateGuestMemfd(64 * Pg, GuestMemfdFlags.NoDirectMap))
        {
            gmem.Fallocate(FallocateMode.Allocate, 0, 64 * Pg);
            Assert.Equal(baseline + 64, host.Hypervisor.Frames.AllocatedFrames);
        }
        Assert.Equal(baseline, host.Hypervisor.Frames.AllocatedFrames);
    }

    [Fact]
    public void VmClosedFirst_FileStillWorks_ThenVmGoes()
    {
        using var host = new ReferenceTestHost();
        var vm = host.CreateVm();
        IGuestMemfd a = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        IGuestMemfd b = vm.CreateGuestMemfd(Pg, GuestMemfdFlags.None);
        vm.Dispose();
        a.Fallocate(FallocateMode.Allocate, 0, Pg);
        a.Dispose();
        Assert.False(vm.IsDestroyed, "b still pins the VM");
        b.Dispose();
        Assert.True(vm.IsDestroyed, "no file left");
    }

    [Fact]
    public void PartialUnmap_KeepsTheRestMapped()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        var file = ReferenceTestHost.FileOf(gmem);
        using HostMapping map = gmem.Map(0, 4 * Pg);
        gmem.Dispose();
        host.Process.AddressSpace.Unmap(map.Address + Pg, Pg);
        Assert.Equal(2, file.Inode.MappingCount);
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => map.Read(Pg, new byte[1])).Errno);
        map.Write(2 * Pg, [1]);
        Assert.True(file.IsLive, "two pieces of the mapping remain");
    }
}
