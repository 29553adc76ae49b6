// KVM_SET_MEMORY_ATTRIBUTES on the Reference platform (spec §2.13).
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class VmMemoryAttributesTests
{
    private const ulong Base = 0x4000_0000;
    private const MemoryAttributes P = MemoryAttributes.Private;

    private static void AssertErrno(Errno expected, Action action) =>
        Assert.Equal(expected, Assert.ThrowsAny<GmemException>(action).Errno);

    [Theory]
    [InlineData(0x1000UL, 0x1000UL, P, 1UL)]                       // 1: flags first
    [InlineData(0x1001UL, 0UL, P, 1UL)]                            // flags beat every other check
    [InlineData(0x1000UL, 0x1000UL, (MemoryAttributes)1, 0UL)]     // 2: unsupported attribute
    [InlineData(0x1001UL, 0UL, (MemoryAttributes)1, 0UL)]          // 2 before 3/4
    [InlineData(0x1000UL, 0UL, P, 0UL)]                            // 3: size 0
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 0x2000UL, P, 0UL)]        // 3: wraps
    [InlineData(0x1001UL, 0x1000UL, P, 0UL)]                       // 4: unaligned address
    [InlineData(0x1000UL, 0x1001UL, P, 0UL)]                       // 4: unaligned size
    public void Set_BadInput_EINVAL(ulong address, ulong size, MemoryAttributes attributes, ulong flags)
    {
        using var vm = new GuestVm(VmType.SwProtected);
        AssertErrno(Errno.EINVAL, () => vm.Vm.SetMemoryAttributes(address, size, attributes, flags));
    }

    [Fact]
    public void Set_PrivateOnDefaultVm_EINVAL_SharedOk()
    {
        using var vm = new GuestVm(VmType.Default);
        Assert.Equal(0, vm.Vm.CheckExtension(Capability.MemoryAttributes));
        AssertErrno(Errno.EINVAL, () => vm.Vm.SetMemoryAttributes(Base, Page.Size, P));
        vm.Vm.SetMemoryAttributes(Base, Page.Size, MemoryAttributes.None);
    }

    [Fact]
    public void Set_Unchanged_NoInvalidation()
    {
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(16 * Page.Size);
        vm.AddGmemSlot(1, Base, gmem, 0, 16 * Page.Size);
        vm.SetPrivate(Base, 16 * Page.Size, true);
        ulong seq = vm.Core.Mmu.Sequence;

        vm.SetPrivate(Base + Page.Size, 4 * Page.Size, true);
        vm.SetPrivate(Base + 16 * Page.Size, 4 * Page.Size, false);

        Assert.Equal(seq, vm.Core.Mmu.Sequence);
        Assert.Equal(2, vm.Core.Attributes.NoOps);
    }

    [Fact]
    public void Set_NoIntersectingSlot_RecordedWithoutInvalidation_AppliesToLaterSlot()
    {
        using var vm = new GuestVm(VmType.SwProtected);
        ulong seq = vm.Core.Mmu.Sequence;
        vm.SetPrivate(Base, 4 * Page.Size, true);
        Assert.Equal(seq, vm.Core.Mmu.Sequence);

        using IGuestMemfd gmem = vm.CreateGmem(4 * Page.Size);
        vm.AddGmemSlot(1, Base, gmem, 0, 4 * Page.Size);
        Vcpu vcpu = vm.AddVcpu(0, a => a.MovImmediate(Register.R1, Base).Load(8, Register.R2, Register.R1).Hlt());
        vm.RunToHalt(vcpu);
        vm.Core.MmuLock.EnterReadLock();
        Assert.True(vm.Core.Stage2.TryTranslate(new Gpa(Base).Gfn, out Stage2Leaf leaf));
        vm.Core.MmuLock.ExitReadLock();
        Assert.Equal(MappingKind.Private, leaf.Kind);
    }

    [Fact]
    public void Set_IntersectingSlot_ZapsOnlyTheRange()
    {
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem(16 * Page.Size);
        vm.AddGmemSlot(1, Base, gmem, 0, 16 * Page.Size);
        Vcpu vcpu = vm.AddVcpu(0, a => a.FillRange(Base, 16 * Page.Size, 3).Hlt());
        vm.RunToHalt(vcpu);
        ulong seq = vm.Core.Mmu.Sequence;

        vm.SetPrivate(Base + 4 * Page.Size, 2 * Page.Size, true);

        Assert.Equal(seq + 1, vm.Core.Mmu.Sequence);
        vm.Core.MmuLock.EnterReadLock();
        try
        {
            Assert.False(vm.Core.Stage2.TryTranslate(new Gpa(Base + 4 * Page.Size).Gfn, out _), "Shared leaves of a range that became private are zapped.");
            Assert.True(vm.Core.Stage2.TryTranslate(new Gpa(Base + 3 * Page.Size).Gfn, out _), "Leaves outside the range survive.");
            Assert.True(vm.Core.Stage2.TryTranslate(new Gpa(Base + 6 * Page.Size).Gfn, out _), "Leaves outside the range survive.");
        }
        finally
        {
            vm.Core.MmuLock.ExitReadLock();
        }
    }

    [Fact]
    public void Set_OneTebibyteOfUnpopulatedSpace_OneRun()
    {
        using var vm = new GuestVm(VmType.SwProtected);
        vm.Vm.SetMemoryAttributes(1UL << 40, 1UL << 40, P);
        vm.Vm.SetMemoryAttributes((1UL << 40) + (1UL << 30), Page.Size, MemoryAttributes.None);
        Assert.Equal(2, vm.Core.Attributes.Store.Ranges.Count);
        vm.Vm.SetMemoryAttributes((1UL << 40) + (1UL << 30), Page.Size, P);
        Assert.Single(vm.Core.Attributes.Store.Ranges);
    }
}
