using System.Buffers.Binary;

namespace Gmem.Vmm.X86;

/// <summary>
/// Identity-mapped 4-level page tables built from 2 MiB pages: one PML4 page, one PDPT page and one page
/// directory per GiB mapped, laid out back to back from <see cref="Pml4"/>. Guest page-table pages of
/// 1 GiB are avoided on purpose: on the PVM host they end in KVM_EXIT_SHUTDOWN (spec §7).
/// </summary>
public sealed class IdentityPageTables
{
    /// <summary>Bytes one page directory maps (512 × 2 MiB).</summary>
    public const ulong BytesPerDirectory = 1UL << 30;

    /// <summary>The most this builder maps: one PDPT (512 GiB).</summary>
    public const ulong MaxMappedBytes = 512 * BytesPerDirectory;

    // Bits 51:12 of an entry: the physical address of the next level or page.
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    /// <summary>Plans page tables at <paramref name="pml4"/> that map <c>[0, mappedBytes)</c> onto itself.</summary>
    /// <param name="pml4">Where the PML4 page goes (page aligned); the PDPT and directories follow it.</param>
    /// <param name="mappedBytes">Bytes mapped from GPA 0, rounded up to whole GiB directories.</param>
    /// <param name="userAccessible">Whether every level carries U/S, so code at CPL3 can use the mapping.</param>
    public IdentityPageTables(Gpa pml4, ulong mappedBytes, bool userAccessible)
    {
        if (!pml4.IsPageAligned)
        {
            throw new ArgumentException($"The PML4 address {pml4} is not page aligned.", nameof(pml4));
        }
        if (mappedBytes == 0 || mappedBytes > MaxMappedBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(mappedBytes), $"Identity mapping of 0x{mappedBytes:x} bytes: must be in (0, 512 GiB].");
        }
        Pml4 = pml4;
        DirectoryCount = (int)((mappedBytes + BytesPerDirectory - 1) / BytesPerDirectory);
        UserAccessible = userAccessible;
    }

    /// <summary>The PML4 page (the value for CR3).</summary>
    public Gpa Pml4 { get; }

    /// <summary>The page-directory-pointer table, right after the PML4.</summary>
    public Gpa Pdpt => Pml4 + Page.Size;

    /// <summary>Number of page directories (GiB mapped).</summary>
    public int DirectoryCount { get; }

    /// <summary>Whether the U/S bit is set at every level.</summary>
    public bool UserAccessible { get; }

    /// <summary>Bytes mapped from GPA 0.</summary>
    public ulong MappedBytes => (ulong)DirectoryCount * BytesPerDirectory;

    /// <summary>Pages the tables occupy from <see cref="Pml4"/>.</summary>
    public int TablePages => 2 + DirectoryCount;

    /// <summary>Bytes the tables occupy from <see cref="Pml4"/>.</summary>
    public int SizeBytes => TablePages * Page.Size;

    /// <summary>The page directory that maps GiB <paramref name="index"/>.</summary>
    public Gpa Directory(int index) => Pml4 + (ulong)(2 + index) * Page.Size;

    /// <summary>The flags of non-leaf entries (PML4E, PDPTE).</summary>
    public X86PageFlags TableFlags => X86PageFlags.Present | X86PageFlags.Writable | (UserAccessible ? X86PageFlags.User : X86PageFlags.None);

    /// <summary>The flags of the 2 MiB leaf entries (PDE with PS).</summary>
    public X86PageFlags LeafFlags => TableFlags | X86PageFlags.PageSize;

    /// <summary>Encodes one page-table entry: the physical address of the next level (or page) and the flags.</summary>
    public static ulong Entry(Gpa target, X86PageFlags flags)
    {
        if (!target.IsPageAligned)
        {
            throw new ArgumentException($"Page-table entry target {target} is not page aligned.", nameof(target));
        }
        return target.Value | (ulong)flags;
    }

    /// <summary>Writes the tables into <paramref name="tables"/>, which must be <see cref="SizeBytes"/> long and hold guest memory from <see cref="Pml4"/>.</summary>
    public void Write(Span<byte> tables)
    {
        if (tables.Length != SizeBytes)
        {
            throw new ArgumentException($"The page tables need {SizeBytes} bytes, got {tables.Length}.", nameof(tables));
        }
        tables.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(tables, Entry(Pdpt, TableFlags));
        Span<byte> pdpt = tables.Slice(Page.Size, Page.Size);
        for (int gib = 0; gib < DirectoryCount; gib++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(pdpt[(8 * gib)..], Entry(Directory(gib), TableFlags));
            Span<byte> directory = tables.Slice((2 + gib) * Page.Size, Page.Size);
            for (int i = 0; i < 512; i++)
            {
                var page = new Gpa(((ulong)gib * BytesPerDirectory) + ((ulong)i * (ulong)Page.Size2M));
                BinaryPrimitives.WriteUInt64LittleEndian(directory[(8 * i)..], Entry(page, LeafFlags));
            }
        }
    }

    /// <summary>
    /// Walks tables written by <see cref="Write"/> the way the CPU does and returns the physical address
    /// <paramref name="linear"/> translates to, or null when an entry on the way is not present.
    /// </summary>
    public Gpa? Translate(ReadOnlySpan<byte> tables, ulong linear, out X86PageFlags effective)
    {
        effective = X86PageFlags.None;
        ulong pml4e = ReadEntry(tables, Pml4, (int)((linear >> 39) & 511));
        if ((pml4e & (ulong)X86PageFlags.Present) == 0)
        {
            return null;
        }
        ulong pdpte = ReadEntry(tables, new Gpa(pml4e & AddressMask), (int)((linear >> 30) & 511));
        if ((pdpte & (ulong)X86PageFlags.Present) == 0)
        {
            return null;
        }
        ulong pde = ReadEntry(tables, new Gpa(pdpte & AddressMask), (int)((linear >> 21) & 511));
        if ((pde & (ulong)X86PageFlags.Present) == 0 || (pde & (ulong)X86PageFlags.PageSize) == 0)
        {
            return null;
        }
        effective = (X86PageFlags)(pml4e & pdpte & pde & 0x7) | X86PageFlags.PageSize;
        return new Gpa((pde & AddressMask & ~((ulong)Page.Size2M - 1)) | (linear & ((ulong)Page.Size2M - 1)));
    }

    private ulong ReadEntry(ReadOnlySpan<byte> tables, Gpa table, int index)
    {
        long offset = (long)(table.Value - Pml4.Value);
        if (offset < 0 || offset + Page.Size > tables.Length)
        {
            throw new ArgumentException($"Table {table} is outside the page tables at {Pml4}.", nameof(table));
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(tables[(int)(offset + (8 * index))..]);
    }
}
