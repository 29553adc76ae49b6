// The x86-64 long-mode boot helper. Builds, in managed memory, everything a guest needs to start
// directly in 64-bit mode without firmware: identity page tables of 2 MiB pages (spec §7: 1 GiB guest
// pages shut the guest down on the PVM host), a GDT with kernel/user segments and a TSS, an IDT whose
// exception gates report the vector on X86GuestLayout.FaultPort and halt (a CPL3 HLT halts for real),
// the CPL0 stubs, and the
// guest program assembled with Iced at its guest address. Stateless: every call returns a new image.
using Gmem.Kvm;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.X86;

/// <summary>Builds <see cref="X86BootImage"/>s: guest memory contents and the register state for 64-bit long mode.</summary>
public static class LongModeBoot
{
    /// <summary>Exception vectors that get a reporting handler (0–31).</summary>
    public const int ExceptionVectors = 32;

    /// <summary>#GP, the vector a HLT at CPL3 raises.</summary>
    public const int GeneralProtection = 13;

    /// <summary>
    /// Builds an image whose program is what <paramref name="emitProgram"/> emits, assembled at
    /// <see cref="X86GuestLayout.Code"/>. The program ends with HLT at either privilege level: at CPL3 the
    /// HLT raises #GP, and the #GP handler halts when it sees a HLT at the faulting RIP.
    /// </summary>
    /// <exception cref="ArgumentException">The layout is inconsistent or the program does not fit its region.</exception>
    public static X86BootImage Build(X86GuestLayout layout, X86PrivilegeLevel privilege, Action<Assembler> emitProgram)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(emitProgram);
        layout.Validate();

        var program = new Assembler(64);
        emitProgram(program);
        byte[] code = Assemble(program, layout.Code.Value, out _);
        if ((ulong)code.Length > layout.CodeBytes)
        {
            throw new ArgumentException($"The program is {code.Length} bytes; the code region holds 0x{layout.CodeBytes:x}.", nameof(emitProgram));
        }

        byte[] kernel = AssembleKernelStubs(layout, out ulong userEntry, out ulong exitHandler, out ulong[] faultHandlers);

        var tables = new IdentityPageTables(layout.PageTables, layout.IdentityMapBytes, userAccessible: privilege == X86PrivilegeLevel.User);
        byte[] tableBytes = new byte[tables.SizeBytes];
        tables.Write(tableBytes);

        byte[] gdt = new byte[X86Gdt.SizeBytes];
        X86Gdt.Write(gdt, layout.Tss, X86Tss.Limit);

        byte[] idt = new byte[ExceptionVectors * X86Idt.GateBytes];
        for (int vector = 0; vector < ExceptionVectors; vector++)
        {
            ulong handler = vector == GeneralProtection ? exitHandler : faultHandlers[vector];
            X86Idt.WriteGate(idt, vector, handler, X86Gdt.KernelCode, dpl: 0);
        }

        // The TSS header and the terminator byte after the I/O bitmap; the bitmap itself is zero
        // (every port allowed) because fresh guest memory reads zero.
        byte[] tss = new byte[X86Tss.SizeBytes];
        X86Tss.Write(tss, layout.KernelStackTop.Value);
        byte[] tssHeader = tss[..X86Tss.HeaderBytes];

        var chunks = new List<X86MemoryChunk>
        {
            new(layout.PageTables, tableBytes),
            new(layout.Gdt, gdt),
            new(layout.Idt, idt),
            new(layout.KernelCode, kernel),
            new(layout.Tss, tssHeader),
            new(layout.Tss + X86Tss.Limit, [0xFF]),
            new(layout.Code, code),
        };
        chunks.Sort((a, b) => a.Address.CompareTo(b.Address));

        X86BootState state = InitialState(layout, tables, privilege, userEntry);
        return new X86BootImage(layout, privilege, chunks, state, code, userEntry, exitHandler, faultHandlers);
    }

    /// <summary>Assembles <paramref name="assembler"/>'s instructions at <paramref name="rip"/>.</summary>
    public static byte[] Assemble(Assembler assembler, ulong rip, out AssemblerResult result)
    {
        ArgumentNullException.ThrowIfNull(assembler);
        using var stream = new MemoryStream();
        result = assembler.Assemble(new StreamCodeWriter(stream), rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        return stream.ToArray();
    }

    private static byte[] AssembleKernelStubs(X86GuestLayout layout, out ulong userEntry, out ulong exitHandler, out ulong[] faultHandlers)
    {
        var a = new Assembler(64);
        Label entry = a.CreateLabel("user_entry");
        Label exit = a.CreateLabel("user_hlt");
        var faults = new Label[ExceptionVectors];
        for (int vector = 0; vector < ExceptionVectors; vector++)
        {
            faults[vector] = a.CreateLabel();
        }

        // Enter the program at CPL3: an IRETQ frame of SS, RSP, RFLAGS (IOPL=3), CS, RIP.
        a.Label(ref entry);
        foreach (ulong value in (ReadOnlySpan<ulong>)[X86Gdt.UserData, layout.StackTop.Value, X86BootState.RflagsFixed | X86BootState.RflagsIopl3,
            X86Gdt.UserCode, layout.Code.Value])
        {
            a.mov(rax, value);
            a.push(rax);
        }
        a.xor(eax, eax);
        a.iretq();

        // #GP: a HLT at CPL3 faults here. When the faulting instruction (RIP in the frame, above the error
        // code) is HLT, halt for the program; any other #GP is reported like every other exception.
        Label halt = a.CreateLabel();
        a.Label(ref exit);
        a.mov(rax, __qword_ptr[rsp + 8]);
        a.cmp(__byte_ptr[rax], 0xF4);
        a.jne(faults[GeneralProtection]);
        a.Label(ref halt);
        a.hlt();
        a.jmp(halt);

        // Vector v: report v on the fault port, then halt for good.
        for (int vector = 0; vector < ExceptionVectors; vector++)
        {
            Label stop = a.CreateLabel();
            a.Label(ref faults[vector]);
            a.mov(eax, vector);
            a.@out((byte)X86GuestLayout.FaultPort, eax);
            a.Label(ref stop);
            a.hlt();
            a.jmp(stop);
        }

        byte[] bytes = Assemble(a, layout.KernelCode.Value, out AssemblerResult result);
        userEntry = result.GetLabelRIP(entry);
        exitHandler = result.GetLabelRIP(exit);
        faultHandlers = new ulong[ExceptionVectors];
        for (int vector = 0; vector < ExceptionVectors; vector++)
        {
            faultHandlers[vector] = result.GetLabelRIP(faults[vector]);
        }
        if (bytes.Length > Page.Size)
        {
            throw new InvalidOperationException($"The kernel stubs are {bytes.Length} bytes; one page is reserved.");
        }
        return bytes;
    }

    private static X86BootState InitialState(X86GuestLayout layout, IdentityPageTables tables, X86PrivilegeLevel privilege, ulong userEntry)
    {
        X86Segment data = X86Gdt.Descriptor(X86Gdt.KernelData, layout.Tss, X86Tss.Limit).ToSegment(X86Gdt.KernelData);
        bool user = privilege == X86PrivilegeLevel.User;
        return new X86BootState
        {
            Cr0 = X86BootState.Cr0Pe | X86BootState.Cr0Mp | X86BootState.Cr0Et | X86BootState.Cr0Ne | X86BootState.Cr0Wp
                | X86BootState.Cr0Am | X86BootState.Cr0Pg,
            Cr3 = tables.Pml4.Value,
            Cr4 = X86BootState.Cr4Pae,
            Efer = X86BootState.EferLme | X86BootState.EferLma,
            Cs = X86Gdt.Descriptor(X86Gdt.KernelCode, layout.Tss, X86Tss.Limit).ToSegment(X86Gdt.KernelCode),
            Ds = data,
            Es = data,
            Fs = data,
            Gs = data,
            Ss = data,
            Tr = X86Gdt.Descriptor(X86Gdt.Tss, layout.Tss, X86Tss.Limit).ToSegment(X86Gdt.Tss),
            Ldt = new X86Segment { Unusable = true },
            GdtBase = layout.Gdt.Value,
            GdtLimit = X86Gdt.SizeBytes - 1,
            IdtBase = layout.Idt.Value,
            IdtLimit = (256 * X86Idt.GateBytes) - 1,
            // Both start at CPL0: a user program is entered by the IRETQ stub on the kernel stack.
            Rip = user ? userEntry : layout.Code.Value,
            Rsp = user ? layout.KernelStackTop.Value : layout.StackTop.Value,
            Rflags = X86BootState.RflagsFixed,
        };
    }
}
