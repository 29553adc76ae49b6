// Memslot — one guest-physical range of a VM and what backs it.
//
// Data model: immutable geometry (address space, id, base gfn, pages, flags, userspace_addr) and, for
// a GUEST_MEMFD slot, the binding (file, first page index). The file pointer is the only mutable
// field: file release clears it (spec §2.10) and the slot stays, "dead" (faults get EFAULT).
// A modify (move / flags change) never mutates a slot: MemslotTable publishes a new Memslot object.
//
// Locking: geometry needs none; Gmem is written under the VM's slots lock + the inode lock and read
// lock-free (Volatile) by faults, which re-check the invalidation sequence before installing.
namespace Gmem.Reference.Kvm;

/// <summary>One memslot (see file header).</summary>
internal sealed class Memslot
{
    private IGmemBinding? _gmem;

    /// <summary>Creates a slot; a gmem binding is attached with <see cref="AttachGmem"/> before it is published.</summary>
    public Memslot(ushort addressSpace, ushort id, Gfn baseGfn, ulong pages, MemslotFlags flags, Hva userspaceAddress)
    {
        AddressSpace = addressSpace;
        Id = id;
        BaseGfn = baseGfn;
        Pages = pages;
        Flags = flags;
        UserspaceAddress = userspaceAddress;
    }

    /// <summary>Address-space id (the slot number's high 16 bits).</summary>
    public ushort AddressSpace { get; }

    /// <summary>Slot id (the slot number's low 16 bits).</summary>
    public ushort Id { get; }

    /// <summary>The slot number as userspace passes it: (address space &lt;&lt; 16) | id.</summary>
    public uint Number => ((uint)AddressSpace << 16) | Id;

    /// <summary>First guest frame.</summary>
    public Gfn BaseGfn { get; }

    /// <summary>Number of pages.</summary>
    public ulong Pages { get; }

    /// <summary>One past the last guest frame.</summary>
    public Gfn End => BaseGfn + Pages;

    /// <summary>The flags it was created (or last modified) with.</summary>
    public MemslotFlags Flags { get; }

    /// <summary>The shared backing in the host process (may be 0 for a gmem-only slot).</summary>
    public Hva UserspaceAddress { get; }

    /// <summary>Whether the slot was created with GUEST_MEMFD (stays true when the file dies).</summary>
    public bool HasGmemFlag => (Flags & MemslotFlags.GuestMemfd) != 0;

    /// <summary>Whether guest writes are refused (READONLY).</summary>
    public bool IsReadOnly => (Flags & MemslotFlags.ReadOnly) != 0;

    /// <summary>First page of the bound file range.</summary>
    public PageIndex GmemStart { get; private set; }

    /// <summary>Whether every fault, shared or private, is served by guest_memfd (file has MMAP, §1.4 A′).</summary>
    public bool IsGmemOnly { get; private set; }

    /// <summary>The bound file; null for a plain slot and for a dead binding.</summary>
    public IGmemBinding? Gmem => Volatile.Read(ref _gmem);

    /// <summary>Whether <paramref name="gfn"/> lies in the slot.</summary>
    public bool Contains(Gfn gfn) => gfn >= BaseGfn && gfn < End;

    /// <summary>The file page behind <paramref name="gfn"/>.</summary>
    public PageIndex IndexOf(Gfn gfn) => GmemStart + (gfn - BaseGfn);

    /// <summary>The host address behind <paramref name="gfn"/>.</summary>
    public Hva HvaOf(Gfn gfn) => UserspaceAddress + ((gfn - BaseGfn) << Page.Shift);

    /// <summary>Attaches the binding (before the slot is published).</summary>
    public void AttachGmem(IGmemBinding file, PageIndex start)
    {
        GmemStart = start;
        IsGmemOnly = (file.Flags & GuestMemfdFlags.Mmap) != 0;
        Volatile.Write(ref _gmem, file);
    }

    /// <summary>Clears the file pointer: the file was released, the binding is dead (spec §2.10).</summary>
    public void DetachGmem() => Volatile.Write(ref _gmem, null);

    /// <inheritdoc/>
    public override string ToString() => $"slot {Number} [{BaseGfn.Gpa}, +0x{Pages << Page.Shift:x})";
}
