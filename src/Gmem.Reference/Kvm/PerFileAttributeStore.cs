// PerFileAttributeStore — the attributes of a VM whose guest memory files keep them (model B, the
// in-flight in-place conversion series; ReferenceOptions.AttributeModel = PerFile).
//
// Data model: none of its own. A gfn in a memslot bound to a file with per-file attributes is private
// unless the file's page is shared; every other gfn is shared. Changes come from the file
// (KVM_SET_MEMORY_ATTRIBUTES2 → GuestMemfdInode.Convert, which invalidates the bound VMs); the VM
// ioctl answers ENOTTY in this model, so Prepare/Commit are never reached.
//
// Locking: reads take each file's invalidation lock for reading (GuestMemfdInode.SharedState), so a
// caller must not hold the mmu lock unless it already holds the inode locks it will need (the
// invariant checker takes them first: inode lock → mmu lock is the order).
using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Kvm;

/// <summary>Model-B attributes read from the bound guest memory files (see file header).</summary>
internal sealed class PerFileAttributeStore : IMemoryAttributeStore
{
    private readonly MemslotTable _slots;

    /// <summary>Creates the store over the VM's memslots.</summary>
    public PerFileAttributeStore(MemslotTable slots)
    {
        _slots = slots;
    }

    /// <inheritdoc/>
    public IReadOnlyList<AttributeRange> Ranges => [];

    /// <inheritdoc/>
    public MemoryAttributes Get(Gfn gfn) => IsUniform(gfn, gfn + 1, MemoryAttributes.Private) ? MemoryAttributes.Private : MemoryAttributes.None;

    /// <inheritdoc/>
    public bool IsUniform(Gfn start, Gfn end, MemoryAttributes attributes)
    {
        bool wantPrivate = (attributes & MemoryAttributes.Private) != 0;
        Gfn covered = start;
        foreach (Memslot slot in _slots.Intersecting(start, end))
        {
            Gfn lo = start > slot.BaseGfn ? start : slot.BaseGfn;
            Gfn hi = end < slot.End ? end : slot.End;
            if (lo > covered && wantPrivate)
            {
                return false; // a gap outside any slot is shared
            }
            covered = hi;
            if (slot.Binding?.File is not { Inode.HasPerFileAttributes: true } file)
            {
                if (wantPrivate)
                {
                    return false;
                }
                continue;
            }
            (bool allShared, bool anyShared) = file.Inode.SharedState(slot.IndexOf(lo), slot.IndexOf(lo) + (hi - lo));
            if (wantPrivate ? anyShared : !allShared)
            {
                return false;
            }
        }
        return !wantPrivate || covered >= end;
    }

    /// <inheritdoc/>
    public bool IsUniform(Gfn start, Gfn end) => IsUniform(start, end, Get(start));

    /// <inheritdoc/>
    public IAttributeUpdate Prepare(Gfn start, Gfn end, MemoryAttributes attributes) =>
        throw new GmemException("KVM_SET_MEMORY_ATTRIBUTES", Errno.ENOTTY, "Attributes are per guest memory file (AttributeModel.PerFile).");

    /// <inheritdoc/>
    public void Commit(IAttributeUpdate update) =>
        throw new GmemException("KVM_SET_MEMORY_ATTRIBUTES", Errno.ENOTTY, "Attributes are per guest memory file (AttributeModel.PerFile).");
}
