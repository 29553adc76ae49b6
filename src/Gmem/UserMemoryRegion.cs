namespace Gmem;

/// <summary>
/// A memslot request (<c>struct kvm_userspace_memory_region2</c>). <paramref name="GuestMemfd"/> is a file
/// descriptor number in the host process; -1 and foreign descriptors are legal input and get the kernel's errno.
/// </summary>
/// <param name="Slot">(address-space id &lt;&lt; 16) | slot id.</param>
/// <param name="Flags">Slot flags.</param>
/// <param name="GuestPhysAddr">First guest physical address of the slot.</param>
/// <param name="MemorySize">Bytes in the slot; 0 deletes the slot.</param>
/// <param name="UserspaceAddr">Host address of the shared backing (0 is fine for gmem-only slots).</param>
/// <param name="GuestMemfdOffset">Byte offset of the slot's first page in the guest memory file.</param>
/// <param name="GuestMemfd">The guest memory file descriptor, when <see cref="MemslotFlags.GuestMemfd"/> is set.</param>
public readonly record struct UserMemoryRegion(uint Slot, MemslotFlags Flags, ulong GuestPhysAddr,
    ulong MemorySize, ulong UserspaceAddr, long GuestMemfdOffset = 0, int GuestMemfd = -1);
