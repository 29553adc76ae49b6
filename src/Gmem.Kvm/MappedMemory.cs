using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>What a host mapping maps; decides how a failed host access inside it is reported.</summary>
internal enum MappingKind
{
    Anonymous,
    File,
    GuestMemfd,
}

/// <summary>
/// One <c>mmap</c> in the host process, held as a <see cref="SafeBuffer"/>: <c>munmap</c> runs when the last
/// reference goes. Memory the kernel keeps using after a call (a memslot's <c>userspace_addr</c>, the
/// <c>kvm_run</c> page) is referenced through this handle, never through a managed array.
/// </summary>
internal sealed class MappedMemory : SafeBuffer
{
    private readonly ulong _length;

    private MappedMemory(nint address, ulong length, MappingKind kind, long fileOffset, long fileSize, bool hostFaultable)
        : base(ownsHandle: true)
    {
        SetHandle(address);
        Initialize(length);
        _length = length;
        Address = new Hva((ulong)address);
        Kind = kind;
        FileOffset = fileOffset;
        FileSize = fileSize;
        HostFaultable = hostFaultable;
    }

    /// <summary>The first mapped address.</summary>
    public Hva Address { get; }

    /// <summary>Bytes mapped.</summary>
    public long Length => (long)_length;

    /// <summary>What is mapped.</summary>
    public MappingKind Kind { get; }

    /// <summary>For a file mapping: the file offset of the first byte.</summary>
    public long FileOffset { get; }

    /// <summary>For a guest_memfd mapping: the size of the file (pages at or beyond it SIGBUS).</summary>
    public long FileSize { get; }

    /// <summary>For a guest_memfd mapping: whether host user faults can succeed (the file has INIT_SHARED).</summary>
    public bool HostFaultable { get; }

    /// <summary>
    /// Whether the kernel answers a host access at <paramref name="address"/> (inside this mapping) with SIGBUS:
    /// a guest_memfd page at or beyond the end of the file, or any page of a file whose pages are not shared.
    /// </summary>
    public bool IsSigbus(Hva address) =>
        Kind == MappingKind.GuestMemfd && (!HostFaultable || FileOffset + (long)(address - Address) >= FileSize);

    /// <summary>Whether <paramref name="address"/> lies inside the mapping.</summary>
    public bool Contains(Hva address) => address.Value >= Address.Value && address.Value - Address.Value < _length;

    /// <summary><c>mmap</c>; throws <see cref="GmemException"/>("mmap", errno) on failure.</summary>
    internal static MappedMemory Map(long length, int protection, int flags, int fd, long offset, MappingKind kind, long fileSize = 0, bool hostFaultable = true)
    {
        if (length <= 0)
        {
            throw new GmemException("mmap", Errno.EINVAL, $"Length {length} is not positive.");
        }
        nint address = Libc.mmap(0, (nuint)length, protection, flags, fd, offset);
        if (address == LibcConstants.MAP_FAILED)
        {
            throw KvmError.Last("mmap");
        }
        return new MappedMemory(address, (ulong)length, kind, offset, fileSize, hostFaultable);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.munmap(handle, (nuint)_length) == 0;
}
