namespace Gmem.Vmm.X86;

/// <summary>
/// Where the boot helper puts things in guest physical memory (identity-mapped, so these are also the
/// linear addresses). Three regions from GPA 0: the <em>system</em> region (page tables, GDT, IDT, kernel
/// stubs and stack, TSS — everything CPL0 touches, so it needs a host mapping on the PVM host), the
/// <em>code</em> region (the guest program), and the <em>data</em> region (the rest, stack at its top).
/// </summary>
public sealed record X86GuestLayout
{
    /// <summary>The port the exception handlers report a vector on (OUT of 4 bytes, value = vector).</summary>
    public const ushort FaultPort = 0xF1;

    /// <summary>Bytes of guest memory (the guest_memfd size), from GPA 0.</summary>
    public ulong MemoryBytes { get; init; } = 2UL << 20;

    /// <summary>Bytes identity-mapped by the page tables from GPA 0 (whole GiB; more than the memory when other slots sit higher).</summary>
    public ulong IdentityMapBytes { get; init; } = 1UL << 30;

    /// <summary>The PML4; the PDPT and page directories follow.</summary>
    public Gpa PageTables { get; init; } = new(0x1000);

    /// <summary>The GDT.</summary>
    public Gpa Gdt { get; init; } = new(0xC000);

    /// <summary>The IDT (256 gates, one page).</summary>
    public Gpa Idt { get; init; } = new(0xD000);

    /// <summary>The kernel stubs: entry to user mode, the exit handler, the exception handlers.</summary>
    public Gpa KernelCode { get; init; } = new(0xE000);

    /// <summary>Top of the kernel stack (RSP0 and the CPL0 entry stack).</summary>
    public Gpa KernelStackTop { get; init; } = new(0x10000);

    /// <summary>The TSS and its I/O bitmap (three pages).</summary>
    public Gpa Tss { get; init; } = new(0x10000);

    /// <summary>Bytes of the system region from GPA 0.</summary>
    public ulong SystemBytes { get; init; } = 0x20000;

    /// <summary>Start of the guest program (right after the system region).</summary>
    public Gpa Code => new(SystemBytes);

    /// <summary>Bytes reserved for the guest program.</summary>
    public ulong CodeBytes { get; init; } = 0x10000;

    /// <summary>Start of the data region.</summary>
    public Gpa Data => Code + CodeBytes;

    /// <summary>Top of the guest program's stack: the end of memory.</summary>
    public Gpa StackTop => new(MemoryBytes);

    /// <summary>Checks that the regions are page aligned, in order, and do not overlap.</summary>
    /// <exception cref="ArgumentException">The layout is inconsistent; the message names the conflict.</exception>
    public void Validate()
    {
        var tables = new IdentityPageTables(PageTables, IdentityMapBytes, userAccessible: true);
        foreach ((string name, Gpa address) in (ReadOnlySpan<(string, Gpa)>)[("page tables", PageTables), ("GDT", Gdt), ("IDT", Idt),
            ("kernel code", KernelCode), ("kernel stack top", KernelStackTop), ("TSS", Tss)])
        {
            if (!address.IsPageAligned || address.Value >= SystemBytes)
            {
                throw new ArgumentException($"The {name} at {address} must be page aligned and inside the system region [0, 0x{SystemBytes:x}).");
            }
        }
        Check("page tables", PageTables, (ulong)tables.SizeBytes, "GDT", Gdt, X86Gdt.SizeBytes);
        Check("GDT", Gdt, X86Gdt.SizeBytes, "IDT", Idt, 256 * X86Idt.GateBytes);
        Check("IDT", Idt, 256 * X86Idt.GateBytes, "kernel code", KernelCode, Page.Size);
        Check("kernel code", KernelCode, Page.Size, "TSS", Tss, X86Tss.SizeBytes);
        if (Tss.Value + X86Tss.SizeBytes > SystemBytes)
        {
            throw new ArgumentException($"The TSS at {Tss} ends past the system region [0, 0x{SystemBytes:x}).");
        }
        if (!Page.IsAligned(SystemBytes) || !Page.IsAligned(CodeBytes) || !Page.IsAligned(MemoryBytes) || Data.Value >= MemoryBytes)
        {
            throw new ArgumentException($"Regions system 0x{SystemBytes:x}, code 0x{CodeBytes:x}, memory 0x{MemoryBytes:x} must be page aligned and leave a data region.");
        }
        if (IdentityMapBytes < MemoryBytes)
        {
            throw new ArgumentException($"The identity map (0x{IdentityMapBytes:x} bytes) does not cover guest memory (0x{MemoryBytes:x} bytes).");
        }
    }

    private static void Check(string first, Gpa firstAddress, ulong firstBytes, string second, Gpa secondAddress, ulong secondBytes)
    {
        bool apart = firstAddress.Value + firstBytes <= secondAddress.Value || secondAddress.Value + secondBytes <= firstAddress.Value;
        if (!apart)
        {
            throw new ArgumentException($"The {first} [{firstAddress}, +0x{firstBytes:x}) overlaps the {second} [{secondAddress}, +0x{secondBytes:x}).");
        }
    }
}
