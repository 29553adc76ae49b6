// Stage-2 mapping levels end to end: 2 MiB folios map with 2 MiB leaves; a 4 KiB attribute flip splits
// the block and flipping it back lets it map large again.
using Gmem.Reference.Cpu;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class LargeMappingTests
{
    private const ulong Base = 1UL << 30;
    private const long Size = 1L << 30;
    private const ulong Block = 2UL << 20;
    private static readonly ulong[] s_blocks = [0, 1, 100, 255, 256, 400, 510, 511];

    [Fact]
    public void Fault_GigabyteOf2MFolios_MapsWith2MLeaves_AndRecoversAfterFlip()
    {
        using var vm = new GuestVm(VmType.SwProtected, new ReferenceOptions { HugePages2M = 512 });
        using IGuestMemfd gmem = vm.CreateGmem(Size, GuestMemfdFlags.Hugetlb2M);
        vm.AddGmemSlot(1, Base, gmem, 0, Size);
        vm.SetPrivate(Base, (ulong)Size, true);
        Vcpu vcpu = vm.AddVcpu(0, TouchBlocks);
        Gpa entry = vcpu.Cpu.InstructionPointer;

        vm.RunToHalt(vcpu);

        foreach (ulong block in s_blocks)
        {
            Assert.Equal(MappingLevel.Block2M, LevelAt(vm, Base + block * Block + 5 * Page.Size));
        }
        Assert.Equal(s_blocks.Length, vm.Core.Stage2.LeafCount(MappingLevel.Block2M));

        // One 4 KiB page of block 100 becomes shared: the block is split, the rest stays mapped.
        ulong flipped = Base + 100 * Block + 7 * Page.Size;
        vm.SetPrivate(flipped, Page.Size, false);
        Assert.Equal(MappingLevel.Page4K, LevelAt(vm, Base + 100 * Block));
        Assert.Null(LevelAt(vm, flipped));
        vcpu.Cpu.InstructionPointer = entry;
        vm.RunToHalt(vcpu);
        Assert.Equal(MappingLevel.Page4K, LevelAt(vm, Base + 100 * Block + 5 * Page.Size));

        // Back to private: the block is uniform again and maps at 2 MiB on the next touch.
        vm.SetPrivate(flipped, Page.Size, true);
        vcpu.Cpu.InstructionPointer = entry;
        vm.RunToHalt(vcpu);
        Assert.Equal(MappingLevel.Block2M, LevelAt(vm, flipped));
        Assert.Equal(s_blocks.Length, vm.Core.Stage2.LeafCount(MappingLevel.Block2M));
        Assert.Empty(new InvariantChecker((Vm)vm.Vm).Check());
    }

    [Fact]
    public void Fault_EveryBlockOfGigabyte_512LeavesOf2M()
    {
        using var vm = new GuestVm(VmType.SwProtected, new ReferenceOptions { HugePages2M = 512, MemoryBytes = 2L << 30 });
        using IGuestMemfd gmem = vm.CreateGmem(Size, GuestMemfdFlags.Hugetlb2M);
        vm.AddGmemSlot(1, Base, gmem, 0, Size);
        vm.SetPrivate(Base, (ulong)Size, true);
        Vcpu vcpu = vm.AddVcpu(0, a =>
        {
            var loop = a.NewLabel();
            a.MovImmediate(Register.R1, Base).MovImmediate(Register.R3, (ulong)Size / Block)
                .Bind(loop).Load(8, Register.R2, Register.R1).AddImmediate(Register.R1, Register.R1, (long)Block)
                .Loop(Register.R3, loop).Hlt();
        });

        vm.RunToHalt(vcpu);

        Assert.Equal(512, vm.Core.Stage2.LeafCount(MappingLevel.Block2M));
        Assert.Equal(512, vcpu.StageTwoMisses - 1);
    }

    [Fact]
    public void Fault_BaseFolios_Map4K()
    {
        using var vm = new GuestVm(VmType.SwProtected);
        using IGuestMemfd gmem = vm.CreateGmem((long)Block);
        vm.AddGmemSlot(1, Base, gmem, 0, (long)Block);
        vm.SetPrivate(Base, Block, true);
        Vcpu vcpu = vm.AddVcpu(0, a => a.FillRange(Base, Block, 1).Hlt());

        vm.RunToHalt(vcpu);

        vm.Core.MmuLock.EnterReadLock();
        List<Stage2Leaf> leaves = vm.Core.Stage2.Leaves().Where(l => l.Gfn >= new Gpa(Base).Gfn).ToList();
        vm.Core.MmuLock.ExitReadLock();
        Assert.Equal(512, leaves.Count);
        Assert.All(leaves, l => Assert.Equal(MappingLevel.Page4K, l.Level));
    }

    [Fact]
    public void Fault_SlotNotAlignedToBlock_Maps4K()
    {
        // The gmem offset is 2 MiB aligned but the GPA is not: no block can be congruent.
        using var vm = new GuestVm(VmType.SwProtected, new ReferenceOptions { HugePages2M = 2 });
        using IGuestMemfd gmem = vm.CreateGmem((long)Block, GuestMemfdFlags.Hugetlb2M);
        vm.AddGmemSlot(1, Base + Page.Size, gmem, 0, (long)Block);
        vm.SetPrivate(Base, 2 * Block, true);
        Vcpu vcpu = vm.AddVcpu(0, a => a.MovImmediate(Register.R1, Base + 2 * Page.Size).Load(8, Register.R2, Register.R1).Hlt());

        vm.RunToHalt(vcpu);

        Assert.Equal(MappingLevel.Page4K, LevelAt(vm, Base + 2 * Page.Size));
    }

    private static void TouchBlocks(BytecodeAssembler a)
    {
        foreach (ulong block in s_blocks)
        {
            a.MovImmediate(Register.R1, Base + block * Block + 5 * Page.Size).Load(8, Register.R2, Register.R1);
        }
        a.MovImmediate(Register.R1, Base + 100 * Block + 7 * Page.Size).Load(8, Register.R2, Register.R1).Hlt();
    }

    private static MappingLevel? LevelAt(GuestVm vm, ulong gpa)
    {
        vm.Core.MmuLock.EnterReadLock();
        try
        {
            return vm.Core.Stage2.TryTranslate(new Gpa(gpa).Gfn, out Stage2Leaf leaf) ? leaf.Level : null;
        }
        finally
        {
            vm.Core.MmuLock.ExitReadLock();
        }
    }
}
