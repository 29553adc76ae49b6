using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Tests.GuestMemfd;

/// <summary>Binding a guest memory file to a memslot and the guest lookup (spec §2.7 checks 13–15, §2.11).</summary>
public sealed class GuestMemfdBindingTests
{
    private const long Pg = Page.Size;

    [Fact]
    public void Bind_DisjointRanges_ThenOverlap_EEXIST()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Page.Size2M, GuestMemfdFlags.None);
        ReferenceTestHost.Bind(vm, gmem, 0x100000, 0, 2 * (ulong)Page.Size2M);
        ReferenceTestHost.Bind(vm, gmem, 0x200000, 2 * (ulong)Page.Size2M, 2 * (ulong)Page.Size2M);
        var e = Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(vm, gmem, 0x300000, (ulong)Page.Size2M, 2 * (ulong)Page.Size2M));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal(Errno.EEXIST, Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(vm, gmem, 0x300000, 3 * (ulong)Page.Size2M, (ulong)Pg)).Errno);
        Assert.Equal(2, ReferenceTestHost.FileOf(gmem).BindingCount);
    }

    [Theory]
    [InlineData(0UL, 5 * (ulong)Pg)]
    [InlineData(4 * (ulong)Pg, (ulong)Pg)]
    [InlineData(0x7FFF_FFFF_FFFF_F000UL, 2 * (ulong)Pg)]
    [InlineData(ulong.MaxValue - (ulong)Pg + 1, 2 * (ulong)Pg)]
    public void Bind_OutsideTheFile_EINVAL(ulong offset, ulong size)
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(vm, gmem, 0, offset, size)).Errno);
    }

    [Fact]
    public void Bind_AnotherVmsFile_EINVAL_BeforeOverlap()
    {
        using var host = new ReferenceTestHost();
        using var owner = host.CreateVm();
        using var other = host.CreateVm();
        using IGuestMemfd gmem = owner.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        ReferenceTestHost.Bind(owner, gmem, 0, 0, 4 * (ulong)Pg);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => ReferenceTestHost.Bind(other, gmem, 0, 0, 4 * (ulong)Pg)).Errno);
    }

    [Fact]
    public void Unbind_ThenRebindSameRange_Works_PagesStay()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x10, 0, 4 * (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0x11), out _, out _, out _), "lookup through a live binding");
        ReferenceTestHost.Unbind(vm, binding);
        Assert.False(binding.TryGetPfn(new Gfn(0x11), out _, out _, out Errno error), "unbound");
        Assert.Equal(Errno.EFAULT, error);
        ReferenceTestHost.Unbind(vm, binding);
        Assert.Equal(1, ReferenceTestHost.FileOf(gmem).Inode.FolioCount);
        GmemBinding again = ReferenceTestHost.Bind(vm, gmem, 0x20, 0, 4 * (ulong)Pg);
        Assert.Equal(0x20UL, again.BaseGfn.Value);
    }

    [Fact]
    public void GetPfn_AllocatesZeroesOnceAndReturnsOrderZero()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, Pg, 2 * (ulong)Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0x101), out Pfn pfn, out int order, out _), "lookup");
        Assert.Equal(0, order);
        var folio = ReferenceTestHost.FileOf(gmem).Inode.Lookup(new PageIndex(2));
        Assert.NotNull(folio);
        Assert.Equal(pfn, folio.Folio.Head);
        Assert.True(folio.IsUptodate, "zeroed on first use");
        host.Hypervisor.Frames.Write(pfn, 0, [9]);
        Assert.True(binding.TryGetPfn(new Gfn(0x101), out Pfn again, out _, out _), "second lookup");
        Assert.Equal(pfn, again);
        var one = new byte[1];
        host.Hypervisor.Frames.Read(pfn, 0, one);
        Assert.Equal(9, one[0]);
    }

    [Fact]
    public void GetPfn_OutsideTheBinding_EIO()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 2 * (ulong)Pg);
        Assert.False(binding.TryGetPfn(new Gfn(0x102), out _, out _, out Errno error), "past the slot");
        Assert.Equal(Errno.EIO, error);
    }

    [Fact]
    public void GetPfn_Poisoned_EHWPOISON_HostFault_PageStays()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.Mmap | GuestMemfdFlags.InitShared);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 2 * (ulong)Pg);
        GuestMemfdFile file = ReferenceTestHost.FileOf(gmem);
        Assert.False(file.Poison(new PageIndex(0)), "a hole cannot be poisoned");
        using HostMapping map = gmem.Map(0, 2 * Pg);
        map.Write(0, [1]);
        Assert.True(file.Poison(new PageIndex(0)), "poisoned");
        Assert.False(binding.TryGetPfn(new Gfn(0x100), out _, out _, out Errno error), "poisoned lookup");
        Assert.Equal(Errno.EHWPOISON, error);
        Assert.Throws<HostAccessFault>(() => map.Read(0, new byte[1]));
        Assert.True(binding.TryGetPfn(new Gfn(0x101), out _, out _, out _), "the neighbour is fine");
        Assert.NotNull(file.Inode.Lookup(new PageIndex(0)));
        gmem.Fallocate(FallocateMode.PunchHole, 0, Pg);
        Assert.True(binding.TryGetPfn(new Gfn(0x100), out _, out _, out _), "a punched poisoned page is a fresh hole");
    }

    [Fact]
    public void GetPfn_AfterRelease_EFAULT_AndUnbindIsNoOp()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        IGuestMemfd gmem = vm.CreateGuestMemfd(2 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 2 * (ulong)Pg);
        gmem.Dispose();
        Assert.Null(binding.File);
        Assert.False(binding.TryGetPfn(new Gfn(0x100), out _, out _, out Errno error), "dead binding");
        Assert.Equal(Errno.EFAULT, error);
        ReferenceTestHost.Unbind(vm, binding);
    }

    [Fact]
    public void Populate_WritesPrivatePages_ChecksPrivateAndClamps()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 2 * (ulong)Pg);
        byte[] source = new byte[3 * Pg];
        Array.Fill(source, (byte)0x3c);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => GuestMemfdFile.Populate(binding, new Gfn(0x100), source, 0, _ => true)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<GmemException>(() => GuestMemfdFile.Populate(binding, new Gfn(0x100), source, 1, _ => false)).Errno);
        Assert.Equal(1, GuestMemfdFile.Populate(binding, new Gfn(0x100), source, 2, g => g.Value == 0x100));
        Assert.Equal(1, GuestMemfdFile.Populate(binding, new Gfn(0x101), source, 3, _ => true));
        Assert.True(binding.TryGetPfn(new Gfn(0x101), out Pfn pfn, out _, out _), "lookup");
        var content = new byte[Pg];
        host.Hypervisor.Frames.Read(pfn, 0, content);
        Assert.All(content, b => Assert.Equal(0x3c, b));
    }

    [Fact]
    public void GetPfn_HotPath_AllocatesNothing()
    {
        using var host = new ReferenceTestHost();
        using var vm = host.CreateVm();
        using IGuestMemfd gmem = vm.CreateGuestMemfd(64 * Pg, GuestMemfdFlags.None);
        GmemBinding binding = ReferenceTestHost.Bind(vm, gmem, 0x100, 0, 64 * (ulong)Pg);
        for (ulong g = 0; g < 64; g++)
        {
            Assert.True(binding.TryGetPfn(new Gfn(0x100 + g), out _, out _, out _), "warm-up");
        }
        // The loop runs once unmeasured first: on-stack replacement of a hot loop may be charged to this thread.
        static ulong Lookups(GmemBinding binding)
        {
            ulong sum = 0;
            for (int i = 0; i < 10_000; i++)
            {
                binding.TryGetPfn(new Gfn(0x100 + (ulong)(i & 63)), out Pfn pfn, out _, out _);
                sum += pfn.Value;
            }
            return sum;
        }
        Lookups(binding);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong sum = Lookups(binding);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEqual(0UL, sum);
    }
}
