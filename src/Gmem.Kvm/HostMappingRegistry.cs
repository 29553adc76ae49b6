namespace Gmem.Kvm;

/// <summary>
/// The live host mappings Gmem made in this process, by address. Used to classify a failed host access
/// (inside a guest_memfd mapping: SIGBUS, <see cref="HostAccessFault"/>; elsewhere: EFAULT) and to let a
/// memslot take a reference on the mapping behind its <c>userspace_addr</c>.
/// Locking: one lock around the sorted list; lookups are O(log n).
/// </summary>
internal sealed class HostMappingRegistry
{
    private readonly Lock _lock = new();
    private readonly SortedList<ulong, MappedMemory> _byAddress = [];

    /// <summary>Adds a new mapping and wraps it in the public handle whose Dispose unmaps it.</summary>
    public HostMapping Publish(IHostProcess process, MappedMemory memory)
    {
        lock (_lock)
        {
            _byAddress[memory.Address.Value] = memory;
        }
        return new HostMapping(process, memory.Address, memory.Length, _ => Unmap(memory));
    }

    /// <summary>The live mapping that contains <paramref name="address"/>, if any.</summary>
    public MappedMemory? Find(Hva address)
    {
        lock (_lock)
        {
            IList<ulong> keys = _byAddress.Keys;
            int lo = 0;
            int hi = keys.Count - 1;
            while (lo <= hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (keys[mid] <= address.Value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            if (hi < 0)
            {
                return null;
            }
            MappedMemory candidate = _byAddress.Values[hi];
            return candidate.Contains(address) ? candidate : null;
        }
    }

    private void Unmap(MappedMemory memory)
    {
        lock (_lock)
        {
            if (_byAddress.TryGetValue(memory.Address.Value, out MappedMemory? current) && ReferenceEquals(current, memory))
            {
                _byAddress.Remove(memory.Address.Value);
            }
        }
        // munmap happens now, or when the last memslot that references the mapping is deleted.
        memory.Dispose();
    }
}
