namespace Gmem.Kvm;

/// <summary>
/// The host mappings behind one VM's memslots. The kernel keeps using <c>userspace_addr</c> after
/// <c>KVM_SET_USER_MEMORY_REGION2</c> returns, so each slot holds a reference on its <see cref="MappedMemory"/>
/// (munmap is deferred) until the slot is deleted or the kernel VM can no longer run: the VM object, its vCPUs
/// and its guest memory files each retain this object, and the last release drops every slot's reference.
/// Locking: one lock around the table and the holder count.
/// </summary>
internal sealed class MemslotBackings
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, MappedMemory> _bySlot = [];
    private int _holders = 1;

    /// <summary>Another object that keeps the kernel VM alive.</summary>
    public void Retain()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_holders == 0, typeof(KvmVm));
            _holders++;
        }
    }

    /// <summary>Drops a holder; the last one releases every slot's mapping.</summary>
    public void Release()
    {
        List<MappedMemory> released;
        lock (_lock)
        {
            if (--_holders > 0)
            {
                return;
            }
            released = [.. _bySlot.Values];
            _bySlot.Clear();
        }
        foreach (MappedMemory memory in released)
        {
            // SAFETY: releases the reference taken in SlotSet.
            memory.DangerousRelease();
        }
    }

    /// <summary>A slot was created or changed: it now references <paramref name="memory"/> (or nothing).</summary>
    public void SlotSet(uint slot, MappedMemory? memory)
    {
        if (memory is not null)
        {
            bool added = false;
            // SAFETY: the reference keeps the mapping (and thus userspace_addr) mapped until SlotDeleted/Release.
            memory.DangerousAddRef(ref added);
        }
        MappedMemory? previous;
        lock (_lock)
        {
            _bySlot.Remove(slot, out previous);
            if (memory is not null)
            {
                _bySlot[slot] = memory;
            }
        }
        // SAFETY: releases the reference taken when the slot was set before.
        previous?.DangerousRelease();
    }

    /// <summary>A slot was deleted: its mapping may go.</summary>
    public void SlotDeleted(uint slot) => SlotSet(slot, null);
}
