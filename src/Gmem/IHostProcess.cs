namespace Gmem;

/// <summary>
/// The VMM's own process as the kernel sees it: its mappings, its file descriptors, and the user-copy
/// primitives. Every operation mirrors one system call and fails with that call's errno as a
/// <see cref="GmemException"/>; a bad memory access becomes <see cref="HostAccessFault"/> or EFAULT —
/// never a crash.
/// </summary>
public interface IHostProcess
{
    /// <summary><c>mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)</c>.</summary>
    HostMapping MapAnonymous(long length);

    /// <summary><c>memfd_create(name)</c> + <c>ftruncate(size)</c>: a plain (non-gmem) file. Returns the fd.</summary>
    int CreateMemfd(string name, long size);

    /// <summary><c>close(fd)</c>.</summary>
    void Close(int fd);

    /// <summary>Copies from the process's memory (copy_from_user): an unmapped page is EFAULT, SIGBUS is <see cref="HostAccessFault"/>.</summary>
    void Read(Hva address, Span<byte> destination);

    /// <summary>Copies into the process's memory (copy_to_user): an unmapped page is EFAULT, SIGBUS is <see cref="HostAccessFault"/>.</summary>
    void Write(Hva address, ReadOnlySpan<byte> source);

    /// <summary><c>mmap(NULL, length, protection, flags, fd, offset)</c> of any file descriptor.</summary>
    HostMapping MapFile(int fd, long offset, long length, MapProtection protection, MapFlags flags);

    /// <summary><c>mprotect(address, length, protection)</c>.</summary>
    void Protect(Hva address, long length, MapProtection protection);

    /// <summary><c>madvise(address, length, advice)</c>.</summary>
    void Advise(Hva address, long length, MemoryAdvice advice);

    /// <summary><c>read(fd, buffer)</c>; returns the bytes read.</summary>
    int FileRead(int fd, Span<byte> buffer);

    /// <summary><c>write(fd, buffer)</c>; returns the bytes written.</summary>
    int FileWrite(int fd, ReadOnlySpan<byte> buffer);

    /// <summary><c>pread(fd, buffer, offset)</c>.</summary>
    int FilePRead(int fd, Span<byte> buffer, long offset);

    /// <summary><c>pwrite(fd, buffer, offset)</c>.</summary>
    int FilePWrite(int fd, ReadOnlySpan<byte> buffer, long offset);

    /// <summary><c>lseek(fd, offset, whence)</c>.</summary>
    long FileSeek(int fd, long offset, SeekOrigin whence);

    /// <summary><c>ftruncate(fd, length)</c>.</summary>
    void FileTruncate(int fd, long length);

    /// <summary><c>fstat(fd)</c>.</summary>
    FileStatus FileStat(int fd);

    /// <summary><c>fcntl(fd, F_GETFL)</c> and <c>fcntl(fd, F_GETFD)</c>.</summary>
    FileDescriptorState GetDescriptorState(int fd);

    /// <summary><c>dup(fd)</c>.</summary>
    int Dup(int fd);

    /// <summary><c>open("/proc/self/fd/N", O_RDWR)</c>: re-opens a file by path.</summary>
    int ReopenByPath(int fd);

    /// <summary><c>ioctl(fd, request, 0)</c> for a request the caller expects to be refused; returns the result.</summary>
    int Ioctl(int fd, uint request);
}
