using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// The real host process seen through Gmem: mappings, descriptors and user copies of the running .NET process.
/// Data model: the live mappings Gmem made (<see cref="HostMappingRegistry"/>) and the descriptors it opened
/// (<see cref="FileDescriptorHandle"/>'s table); both are process-wide, so there is one instance,
/// <see cref="Current"/>. <see cref="Read"/> and <see cref="Write"/> go through <c>process_vm_readv</c> /
/// <c>process_vm_writev</c> on the own pid, so an unmapped, PROT_NONE or SIGBUS page comes back as an error
/// instead of a signal. Thread-safe.
/// </summary>
public sealed unsafe partial class KvmHostProcess : IHostProcess
{
    private static readonly int s_pid = Libc.getpid();

    private KvmHostProcess()
    {
    }

    /// <summary>The process this code runs in.</summary>
    public static KvmHostProcess Current { get; } = new();

    internal HostMappingRegistry Mappings { get; } = new();

    /// <inheritdoc/>
    public HostMapping MapAnonymous(long length)
    {
        MappedMemory memory = MappedMemory.Map(length, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
            LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS | LibcConstants.MAP_NORESERVE, -1, 0, MappingKind.Anonymous);
        return Mappings.Publish(this, memory);
    }

    /// <inheritdoc/>
    public HostMapping MapFile(int fd, long offset, long length, MapProtection protection, MapFlags flags)
    {
        FileDescriptorHandle? owner = FileDescriptorHandle.Find(fd);
        bool isGmem = owner?.Kind == FileDescriptorKind.GuestMemfd;
        MappingKind kind = (flags & MapFlags.Anonymous) != 0 ? MappingKind.Anonymous
            : isGmem ? MappingKind.GuestMemfd : MappingKind.File;
        MappedMemory memory = MappedMemory.Map(length, (int)protection, (int)flags, fd, offset, kind,
            owner?.GuestMemfdSize ?? 0, owner is null || (owner.GuestMemfdFlags & GuestMemfdFlags.InitShared) != 0);
        return Mappings.Publish(this, memory);
    }

    /// <summary>Maps a guest_memfd (called by <see cref="KvmGuestMemfd.Map"/>).</summary>
    internal HostMapping MapGuestMemfd(FileDescriptorHandle file, long offset, long length)
    {
        MappedMemory memory = MappedMemory.Map(length, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
            LibcConstants.MAP_SHARED, file.Number, offset, MappingKind.GuestMemfd, file.GuestMemfdSize,
            (file.GuestMemfdFlags & GuestMemfdFlags.InitShared) != 0);
        return Mappings.Publish(this, memory);
    }

    /// <inheritdoc/>
    public void Protect(Hva address, long length, MapProtection protection) =>
        KvmError.Check(Libc.mprotect((nint)address.Value, (nuint)length, (int)protection), "mprotect");

    /// <inheritdoc/>
    public void Advise(Hva address, long length, MemoryAdvice advice) =>
        KvmError.Check(Libc.madvise((nint)address.Value, (nuint)length, (int)advice), "madvise");

    /// <inheritdoc/>
    public void Read(Hva address, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            nint n;
            // SAFETY: the span is fixed only for the duration of the system call; the kernel copies into it
            // and keeps no reference. The remote side is checked by the kernel (EFAULT, never a signal).
            fixed (byte* local = destination)
            {
                iovec mine = new() { iov_base = (nint)(local + done), iov_len = (nuint)(destination.Length - done) };
                iovec theirs = new() { iov_base = (nint)(address.Value + (ulong)done), iov_len = mine.iov_len };
                n = Libc.process_vm_readv(s_pid, &mine, 1, &theirs, 1, 0);
            }
            if (n <= 0)
            {
                throw AccessFailed("process_vm_readv", address + (long)done, n < 0 ? KvmError.LastErrno : Errno.EFAULT);
            }
            done += (int)n;
        }
    }

    /// <inheritdoc/>
    public void Write(Hva address, ReadOnlySpan<byte> source)
    {
        int done = 0;
        while (done < source.Length)
        {
            nint n;
            // SAFETY: as in Read; the kernel only reads the fixed span during the call.
            fixed (byte* local = source)
            {
                iovec mine = new() { iov_base = (nint)(local + done), iov_len = (nuint)(source.Length - done) };
                iovec theirs = new() { iov_base = (nint)(address.Value + (ulong)done), iov_len = mine.iov_len };
                n = Libc.process_vm_writev(s_pid, &mine, 1, &theirs, 1, 0);
            }
            if (n <= 0)
            {
                throw AccessFailed("process_vm_writev", address + (long)done, n < 0 ? KvmError.LastErrno : Errno.EFAULT);
            }
            done += (int)n;
        }
    }

    /// <summary>
    /// Classifies a failed user copy: inside a live guest_memfd mapping, where the kernel raises SIGBUS for the
    /// page (beyond EOF, or a file whose pages are not shared), it is a <see cref="HostAccessFault"/>;
    /// anything else keeps its errno (EFAULT for unmapped and PROT_NONE pages).
    /// </summary>
    private GmemException AccessFailed(string operation, Hva address, Errno errno)
    {
        Hva page = new(address.Value & ~Page.OffsetMask);
        MappedMemory? mapping = Mappings.Find(address);
        if (errno == Errno.EFAULT && mapping is not null && mapping.IsSigbus(page))
        {
            return new HostAccessFault(operation, address, $"SIGBUS at {address}: guest_memfd page is not accessible to the host.");
        }
        string where = mapping is null ? "no Gmem mapping" : $"{mapping.Kind} mapping at {mapping.Address}";
        return new GmemException(operation, errno, $"Host access at {address} failed ({where}).");
    }
}
