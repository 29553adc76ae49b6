using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Tests.X86;

public class LongModeBootTests
{
    private static void OutLoop(Assembler a)
    {
        Label loop = a.CreateLabel();
        a.mov(ecx, 100);
        a.mov(edx, 0x10);
        a.Label(ref loop);
        a.@out(dx, eax);
        a.inc(eax);
        a.dec(ecx);
        a.jnz(loop);
        a.hlt();
    }

    [Fact]
    public void Build_Program_DecodesBackAtItsAddress()
    {
        var layout = new X86GuestLayout();
        X86BootImage image = LongModeBoot.Build(layout, X86PrivilegeLevel.Kernel, OutLoop);

        var decoder = Decoder.Create(64, new ByteArrayCodeReader(image.Code), layout.Code.Value);
        var mnemonics = new List<Mnemonic>();
        while (decoder.IP < layout.Code.Value + (ulong)image.Code.Length)
        {
            Instruction instruction = decoder.Decode();
            Assert.False(instruction.IsInvalid, $"invalid instruction at 0x{instruction.IP:x}");
            mnemonics.Add(instruction.Mnemonic);
            if (instruction.Mnemonic == Mnemonic.Jne)
            {
                Assert.Equal(layout.Code.Value + 10, instruction.NearBranchTarget);   // two 5-byte MOVs, then the loop
            }
        }
        Assert.Equal([Mnemonic.Mov, Mnemonic.Mov, Mnemonic.Out, Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Jne, Mnemonic.Hlt], mnemonics);
    }

    [Fact]
    public void Build_KernelStubs_DecodeToIretqEntryExitAndFaultHandlers()
    {
        var layout = new X86GuestLayout();
        X86BootImage image = LongModeBoot.Build(layout, X86PrivilegeLevel.User, a => a.hlt());
        byte[] memory = new byte[layout.SystemBytes + layout.CodeBytes];
        image.CopyTo(memory);

        List<Instruction> entry = DecodeUntil(memory, image.UserEntry, Mnemonic.Iretq);
        Assert.Equal(5, entry.Count(i => i.Mnemonic == Mnemonic.Push));
        ulong[] pushed = entry.Where(i => i.Mnemonic == Mnemonic.Mov && i.Op0Register == Register.RAX).Select(i => i.GetImmediate(1)).ToArray();
        Assert.Equal([X86Gdt.UserData, layout.StackTop.Value, 0x3002UL, X86Gdt.UserCode, layout.Code.Value], pushed);

        List<Instruction> gp = DecodeUntil(memory, image.ExitHandler, Mnemonic.Hlt);
        Assert.Equal([Mnemonic.Mov, Mnemonic.Cmp, Mnemonic.Jne, Mnemonic.Hlt], gp.Select(i => i.Mnemonic));
        Assert.Equal(0xF4UL, gp[1].GetImmediate(1));                                    // compares the faulting byte with HLT
        Assert.Equal(image.FaultHandlers[LongModeBoot.GeneralProtection], gp[2].NearBranchTarget);   // anything else is reported as #GP
        Assert.Equal(image.ExitHandler, X86Idt.ReadHandler(memory.AsSpan((int)layout.Idt.Value), LongModeBoot.GeneralProtection));
        for (int vector = 0; vector < LongModeBoot.ExceptionVectors; vector++)
        {
            List<Instruction> handler = DecodeUntil(memory, image.FaultHandlers[vector], Mnemonic.Hlt);
            Assert.Equal((ulong)vector, handler[0].GetImmediate(1));
            Assert.Equal(Mnemonic.Out, handler[1].Mnemonic);
            Assert.Equal(X86GuestLayout.FaultPort, handler[1].Immediate8);
            if (vector != LongModeBoot.GeneralProtection)
            {
                Assert.Equal(image.FaultHandlers[vector], X86Idt.ReadHandler(memory.AsSpan((int)layout.Idt.Value), vector));
            }
        }
    }

    [Fact]
    public void Build_KernelState_LongModeCpl0AtProgram()
    {
        var layout = new X86GuestLayout();
        X86BootImage image = LongModeBoot.Build(layout, X86PrivilegeLevel.Kernel, OutLoop);
        X86BootState state = image.State;

        Assert.Equal(X86BootState.Cr0Pe | X86BootState.Cr0Pg, state.Cr0 & (X86BootState.Cr0Pe | X86BootState.Cr0Pg));
        Assert.Equal(X86BootState.Cr4Pae, state.Cr4 & X86BootState.Cr4Pae);
        Assert.Equal(X86BootState.EferLme | X86BootState.EferLma, state.Efer);
        Assert.Equal(layout.PageTables.Value, state.Cr3);
        Assert.True(state.Cs.L && !state.Cs.Db && state.Cs.Dpl == 0 && state.Cs.Selector == X86Gdt.KernelCode);
        Assert.Equal(0xFFFF_FFFFU, state.Ds.Limit);
        Assert.Equal(0xB, state.Tr.Type);    // busy TSS
        Assert.Equal(layout.Tss.Value, state.Tr.Base);
        Assert.Equal(layout.Code.Value, state.Rip);
        Assert.Equal(layout.StackTop.Value, state.Rsp);
    }

    [Fact]
    public void Build_UserState_StartsAtEntryStubOnKernelStack()
    {
        var layout = new X86GuestLayout();
        X86BootImage image = LongModeBoot.Build(layout, X86PrivilegeLevel.User, a => a.hlt());

        Assert.Equal(image.UserEntry, image.State.Rip);
        Assert.Equal(layout.KernelStackTop.Value, image.State.Rsp);
        Assert.Equal(0, image.State.Cs.Dpl);
    }

    [Fact]
    public void Build_Chunks_SortedDisjointAndInsideMemory()
    {
        var layout = new X86GuestLayout { IdentityMapBytes = 5UL << 30 };
        X86BootImage image = LongModeBoot.Build(layout, X86PrivilegeLevel.User, a => a.nop());

        for (int i = 1; i < image.Chunks.Count; i++)
        {
            Assert.True(image.Chunks[i - 1].End <= image.Chunks[i].Address, $"chunk {i - 1} overlaps chunk {i}");
        }
        Assert.True(image.Chunks[^1].End.Value <= layout.MemoryBytes);
    }

    [Fact]
    public void Build_ProgramTooLarge_Throws()
    {
        var layout = new X86GuestLayout { CodeBytes = 0x1000 };
        Assert.Throws<ArgumentException>(() => LongModeBoot.Build(layout, X86PrivilegeLevel.Kernel, a =>
        {
            for (int i = 0; i < 0x1001; i++)
            {
                a.nop();
            }
        }));
    }

    [Fact]
    public void Validate_TablesOverlapGdt_ThrowsNamingBoth()
    {
        var layout = new X86GuestLayout { IdentityMapBytes = 16UL << 30 };   // 18 table pages reach past the GDT at 0xC000
        ArgumentException e = Assert.Throws<ArgumentException>(layout.Validate);
        Assert.Contains("page tables", e.Message, StringComparison.Ordinal);
        Assert.Contains("GDT", e.Message, StringComparison.Ordinal);
    }

    private static List<Instruction> DecodeUntil(byte[] memory, ulong address, Mnemonic last)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(memory, (int)address, memory.Length - (int)address), address);
        var instructions = new List<Instruction>();
        for (int i = 0; i < 64; i++)
        {
            Instruction instruction = decoder.Decode();
            Assert.False(instruction.IsInvalid, $"invalid instruction at 0x{instruction.IP:x}");
            instructions.Add(instruction);
            if (instruction.Mnemonic == last)
            {
                return instructions;
            }
        }
        throw new Xunit.Sdk.XunitException($"no {last} within 64 instructions of 0x{address:x}");
    }
}
