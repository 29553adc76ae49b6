// Spec §4.6 scenarios 54 and 56 on the Reference platform: explicit conversions driven by the guest
// through MAP_GPA_RANGE, serviced by the host (attributes, optionally punch/allocate on the gmem).
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class ConversionScenarioTests
{
    private const ulong Base = 0x4000_0000;
    private const ulong Size2M = 2UL << 20;
    private const ulong Region = Size2M + Page.Size;

    [Theory]
    [InlineData(0UL, (ulong)Page.Size, false)]
    [InlineData(0UL, Size2M, false)]
    [InlineData((ulong)Page.Size, (ulong)Page.Size, false)]
    [InlineData((ulong)Page.Size, Size2M, false)]
    [InlineData(Size2M, (ulong)Page.Size, false)]
    [InlineData(0UL, (ulong)Page.Size, true)]
    [InlineData(0UL, Size2M, true)]
    [InlineData((ulong)Page.Size, (ulong)Page.Size, true)]
    [InlineData((ulong)Page.Size, Size2M, true)]
    [InlineData(Size2M, (ulong)Page.Size, true)]
    public void Run_ConvertRangeToSharedAndBack_EachSideKeepsItsData(ulong offset, ulong size, bool fallocate)
    {
        // Scenario 54 (PMCT guest_test_explicit_conversion): the region starts private.
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem((long)Region);
        HostMapping backing = vm.AddGmemSlot(1, Base, gmem, 0, (long)Region);
        vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        vm.SetPrivate(Base, Region, true);
        ulong start = Base + offset;
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            a.FillRange(Base, Region, 0x11).CheckRange(0x81, Base, Region, 0x11)
                .MapGpaRange(0x80, start, size / Page.Size, toPrivate: false)
                .FillRange(start, size, 0x22).Sync(0x90)              // host checks 0x22, writes 0x33
                .CheckRange(0x82, start, size, 0x33);
            if (offset > 0)
            {
                a.CheckRange(0x83, Base, offset, 0x11);
            }
            if (offset + size < Region)
            {
                a.CheckRange(0x84, start + size, Region - offset - size, 0x11);
            }
            a.MapGpaRange(0x80, start, size / Page.Size, toPrivate: true)
                // Punched pages come back zeroed; kept pages still hold the old private data.
                .CheckRange(0x85, start, size, fallocate ? (byte)0 : (byte)0x11)
                .FillRange(start, size, 0x44).CheckRange(0x86, start, size, 0x44)
                .Sync(0x91)                                            // host checks its 0x33 is intact
                .Hlt();
        });

        var reports = vm.RunToHalt(vcpu, onOut: (port, _) =>
        {
            if (port == 0x90)
            {
                AssertBacking(backing, offset, size, 0x22);
                backing.Write((long)offset, Enumerable.Repeat((byte)0x33, (int)size).ToArray());
            }
            else if (port == 0x91)
            {
                AssertBacking(backing, offset, size, 0x33);
            }
        }, onConvert: (gpa, bytes, toPrivate) =>
        {
            if (fallocate)
            {
                gmem.Fallocate(toPrivate ? FallocateMode.Allocate : FallocateMode.PunchHole, (long)(gpa - Base), (long)bytes);
            }
        });

        Assert.All(reports.Where(r => r.Port is not (0x90 or 0x91)), r => Assert.True(r.Value == 0, $"Check at port 0x{r.Port:x} failed."));
        Assert.Contains(reports, r => r.Port == 0x91);
    }

    [Fact]
    public void Run_OddPagesOfPrivateRangeConvertedIndividually_BehaveIndependently()
    {
        const int pages = 8;
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(pages * Page.Size);
        HostMapping backing = vm.AddGmemSlot(1, Base, gmem, 0, pages * Page.Size);
        vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        vm.SetPrivate(Base, pages * Page.Size, true);
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            a.FillRange(Base, pages * Page.Size, 0x55);
            for (ulong page = 1; page < pages; page += 2)
            {
                a.MapGpaRange(0x80, Base + page * Page.Size, 1, toPrivate: false).FillRange(Base + page * Page.Size, Page.Size, (byte)(0x60 + page));
            }
            for (ulong page = 0; page < pages; page++)
            {
                a.CheckRange(0x81, Base + page * Page.Size, Page.Size, page % 2 == 0 ? (byte)0x55 : (byte)(0x60 + page));
            }
            a.Hlt();
        });

        var reports = vm.RunToHalt(vcpu);

        Assert.All(reports, r => Assert.Equal(0u, r.Value));
        Assert.Equal(pages / 2 + pages, reports.Count);
        for (int page = 0; page < pages; page++)
        {
            AssertBacking(backing, (ulong)page * Page.Size, Page.Size, page % 2 == 0 ? (byte)0 : (byte)(0x60 + page));
        }
    }

    [Fact]
    public void Run_SeveralVcpusConvertTheirOwnAreasConcurrently_AllChecksPass()
    {
        // Scenario 56: one gmem file split evenly across N memslots, one vCPU per slot.
        const int vcpus = 4;
        const int pagesEach = 32;
        const long bytesEach = pagesEach * Page.Size;
        const int rounds = 5;
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(vcpus * bytesEach);
        vm.Vm.EnableCapability(Capability.ExitHypercall, 1UL << 12);
        var backings = new HostMapping[vcpus];
        var cpus = new Vcpu[vcpus];
        for (int i = 0; i < vcpus; i++)
        {
            ulong gpa = Base + (ulong)i * 0x100_0000;
            backings[i] = vm.AddGmemSlot((uint)(i + 1), gpa, gmem, i * bytesEach, bytesEach);
            vm.SetPrivate(gpa, bytesEach, true);
            cpus[i] = vm.AddVcpu(i, a =>
            {
                for (int round = 0; round < rounds; round++)
                {
                    byte value = (byte)(0x10 * round + 1);
                    a.FillRange(gpa, bytesEach, value).CheckRange(0x81, gpa, bytesEach, value)
                        .MapGpaRange(0x80, gpa, pagesEach / 2, toPrivate: false)
                        .FillRange(gpa, bytesEach / 2, (byte)(value + 1))
                        .CheckRange(0x82, gpa, bytesEach / 2, (byte)(value + 1))
                        .CheckRange(0x83, gpa + bytesEach / 2, bytesEach / 2, value)
                        .MapGpaRange(0x80, gpa, pagesEach / 2, toPrivate: true);
                }
                a.Hlt();
            });
        }

        var results = new List<(ushort Port, uint Value)>[vcpus];
        Parallel.For(0, vcpus, new ParallelOptions { MaxDegreeOfParallelism = vcpus }, i => results[i] = vm.RunToHalt(cpus[i]));

        for (int i = 0; i < vcpus; i++)
        {
            Assert.Equal(rounds * 5, results[i].Count);
            Assert.All(results[i], r => Assert.Equal(0u, r.Value));
            AssertBacking(backings[i], 0, (ulong)bytesEach / 2, (byte)(0x10 * (rounds - 1) + 2));
        }
        Assert.Equal(0, vm.Core.Mmu.Log.Violations);
    }

    private static void AssertBacking(HostMapping backing, ulong offset, ulong size, byte value)
    {
        byte[] bytes = new byte[size];
        backing.Read((long)offset, bytes);
        int bad = bytes.AsSpan().IndexOfAnyExcept(value);
        Assert.True(bad < 0, $"Host backing at 0x{offset + (ulong)Math.Max(bad, 0):x} holds 0x{(bad < 0 ? 0 : bytes[bad]):x2}, expected 0x{value:x2}.");
    }
}
