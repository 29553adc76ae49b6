using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

// The descriptor half of the host process: memfd, close, read/write, seek, stat, fcntl, dup, reopen, ioctl.
// Descriptors Gmem opens are owned by FileDescriptorHandle; Close(fd) disposes that owner.
public sealed unsafe partial class KvmHostProcess
{
    /// <inheritdoc/>
    public int CreateMemfd(string name, long size)
    {
        int fd = KvmError.Check(Libc.memfd_create(name, LibcConstants.MFD_CLOEXEC), "memfd_create");
        FileDescriptorHandle owner = FileDescriptorHandle.Own(fd);
        if (Libc.ftruncate(fd, size) < 0)
        {
            GmemException failure = KvmError.Last("ftruncate");
            owner.Dispose();
            throw failure;
        }
        return fd;
    }

    /// <summary>
    /// Closes <paramref name="fd"/>: disposes the Gmem object that owns it (a guest memory file, a memfd, a dup).
    /// The number is closed once no call is using it any more.
    /// </summary>
    /// <exception cref="GmemException"><see cref="Errno.EBADF"/> for a descriptor Gmem did not open (it is not closed).</exception>
    public void Close(int fd)
    {
        FileDescriptorHandle owner = FileDescriptorHandle.Find(fd)
            ?? throw new GmemException("close", Errno.EBADF, $"Descriptor {fd} was not opened through Gmem.");
        owner.Dispose();
    }

    /// <inheritdoc/>
    public int FileRead(int fd, Span<byte> buffer)
    {
        // SAFETY: the span is fixed for the duration of the call only.
        fixed (byte* p = buffer)
        {
            return (int)KvmError.Check((long)Libc.read(fd, p, (nuint)buffer.Length), "read");
        }
    }

    /// <inheritdoc/>
    public int FileWrite(int fd, ReadOnlySpan<byte> buffer)
    {
        // SAFETY: the span is fixed for the duration of the call only.
        fixed (byte* p = buffer)
        {
            return (int)KvmError.Check((long)Libc.write(fd, p, (nuint)buffer.Length), "write");
        }
    }

    /// <inheritdoc/>
    public int FilePRead(int fd, Span<byte> buffer, long offset)
    {
        // SAFETY: the span is fixed for the duration of the call only.
        fixed (byte* p = buffer)
        {
            return (int)KvmError.Check((long)Libc.pread(fd, p, (nuint)buffer.Length, offset), "pread");
        }
    }

    /// <inheritdoc/>
    public int FilePWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        // SAFETY: the span is fixed for the duration of the call only.
        fixed (byte* p = buffer)
        {
            return (int)KvmError.Check((long)Libc.pwrite(fd, p, (nuint)buffer.Length, offset), "pwrite");
        }
    }

    /// <inheritdoc/>
    public long FileSeek(int fd, long offset, SeekOrigin whence)
    {
        int raw = whence switch
        {
            SeekOrigin.Begin => LibcConstants.SEEK_SET,
            SeekOrigin.Current => LibcConstants.SEEK_CUR,
            SeekOrigin.End => LibcConstants.SEEK_END,
            _ => throw new ArgumentOutOfRangeException(nameof(whence)),
        };
        return KvmError.Check(Libc.lseek(fd, offset, raw), "lseek");
    }

    /// <inheritdoc/>
    public void FileTruncate(int fd, long length) => KvmError.Check(Libc.ftruncate(fd, length), "ftruncate");

    /// <inheritdoc/>
    public FileStatus FileStat(int fd)
    {
        stat st;
        KvmError.Check(Libc.fstat(fd, &st), "fstat");
        return new FileStatus(st.st_size, st.st_blksize, st.st_blocks, st.st_mode, st.st_ino);
    }

    /// <inheritdoc/>
    public FileDescriptorState GetDescriptorState(int fd)
    {
        int status = KvmError.Check(Libc.fcntl(fd, LibcConstants.F_GETFL, 0), "fcntl");
        int descriptor = KvmError.Check(Libc.fcntl(fd, LibcConstants.F_GETFD, 0), "fcntl");
        return new FileDescriptorState(status, (descriptor & LibcConstants.FD_CLOEXEC) != 0);
    }

    /// <summary><c>dup(fd)</c>; the new descriptor is owned by Gmem (close it with <see cref="Close"/>).</summary>
    public int Dup(int fd)
    {
        int copy = KvmError.Check(Libc.dup(fd), "dup");
        FileDescriptorHandle? source = FileDescriptorHandle.Find(fd);
        if (source is null)
        {
            FileDescriptorHandle.Own(copy);
        }
        else
        {
            FileDescriptorHandle.Own(copy, source.Kind, source.GuestMemfdSize, source.GuestMemfdFlags);
        }
        return copy;
    }

    /// <summary><c>open("/proc/self/fd/N", O_RDWR)</c>; the new descriptor is owned by Gmem.</summary>
    public int ReopenByPath(int fd)
    {
        string path = "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int copy = KvmError.Check(Libc.open(path, LibcConstants.O_RDWR | LibcConstants.O_CLOEXEC, 0), "open");
        FileDescriptorHandle.Own(copy);
        return copy;
    }

    /// <inheritdoc/>
    public int Ioctl(int fd, uint request) => KvmError.Check(Libc.ioctl(fd, request, (nuint)0), "ioctl");
}
