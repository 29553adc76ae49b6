// Memslot — one guest-physical range of a VM and what backs it.
//
// Data model: immutable geometry (address space, id, base gfn, pages, flags, userspace_addr) and, for
// a GUEST_MEMFD slot, the GmemBinding (file, first page index) the guest memory file created. File
// release kills the binding (its File becomes null, spec §2.10) and the slot stays, "dead" (faults
// get EFAULT). A modify (move / flags change) never mutates a slot: MemslotTable publishes a new one.
//
// Locking: everything is set before the slot is published; the binding's file pointer is owned by
// the guest memory file (inode invalidation lock) and read lock-free by faults.
using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Kvm;

/// <summary>One memslot (see file header).</summary>
internal sealed class Memslot
{
    /// <summary>Creates a slot; a gmem binding is attached with <see cref="Attach"/> before it is published.</summary>
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

    /// <summary>The binding into the guest memory file; null for a plain slot (dead bindings stay).</summary>
    public GmemBinding? Binding { get; private set; }

    /// <summary>First page of the bound file range.</summary>
    public PageIndex GmemStart => Binding?.Start ?? default;

    /// <summary>
    /// Whether every fault, shared or private, is served by guest_memfd: the file has MMAP (§1.4 A′) or
    /// keeps per-file attributes (model B: shared and private are the same frame).
    /// </summary>
    public bool IsGmemOnly { get; private set; }

    /// <summary>Whether the binding is dead (the file was released).</summary>
    public bool IsBindingDead => Binding is { File: null };

    /// <summary>Whether <paramref name="gfn"/> lies in the slot.</summary>
    public bool Contains(Gfn gfn) => gfn >= BaseGfn && gfn < End;

    /// <summary>The file page behind <paramref name="gfn"/>.</summary>
    public PageIndex IndexOf(Gfn gfn) => GmemStart + (gfn - BaseGfn);

    /// <summary>The host address behind <paramref name="gfn"/>.</summary>
    public Hva HvaOf(Gfn gfn) => UserspaceAddress + ((gfn - BaseGfn) << Page.Shift);

    /// <summary>Attaches the binding of a file with <paramref name="flags"/> (before the slot is published).</summary>
    public void Attach(GmemBinding binding, GuestMemfdFlags flags, bool perFileAttributes)
    {
        Binding = binding;
        IsGmemOnly = (flags & GuestMemfdFlags.Mmap) != 0 || perFileAttributes;
    }

    /// <inheritdoc/>
    public override string ToString() => $"slot {Number} [{BaseGfn.Gpa}, +0x{Pages << Page.Shift:x})";
}
