using System.Runtime.InteropServices;

namespace Gmem.Kvm.Interop;

/// <summary>
/// Raw libc entry points, with the C names and C argument order. Nothing here throws: every call returns
/// what the system call returns, and the errno is read with <see cref="Marshal.GetLastPInvokeError"/>
/// (<c>SetLastError = true</c>). <c>size_t</c> is <c>nuint</c>, <c>ssize_t</c> is <c>nint</c>, <c>off_t</c> is <c>long</c>.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string pathname, int flags, int mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int close(int fd);

    // ioctl is variadic in C; on x86-64 a variadic callee reads the third integer argument from the same
    // register as a fixed one, and glibc's wrapper passes it to the kernel untouched.
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, nuint arg);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int munmap(nint addr, nuint length);

    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    internal static partial int mprotect(nint addr, nuint length, int prot);

    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int madvise(nint addr, nuint length, int advice);

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int fallocate(int fd, int mode, long offset, long len);

    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int memfd_create(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int ftruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    internal static partial nint pread(int fd, void* buf, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    internal static partial nint pwrite(int fd, void* buf, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long lseek(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    internal static partial int fstat(int fd, stat* statbuf);

    // fcntl is variadic; the commands used here (F_GETFL, F_GETFD) take no third argument.
    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, nint arg);

    [LibraryImport(Library, EntryPoint = "dup", SetLastError = true)]
    internal static partial int dup(int oldfd);

    [LibraryImport(Library, EntryPoint = "process_vm_readv", SetLastError = true)]
    internal static partial nint process_vm_readv(int pid, iovec* local_iov, nuint liovcnt, iovec* remote_iov, nuint riovcnt, nuint flags);

    [LibraryImport(Library, EntryPoint = "process_vm_writev", SetLastError = true)]
    internal static partial nint process_vm_writev(int pid, iovec* local_iov, nuint liovcnt, iovec* remote_iov, nuint riovcnt, nuint flags);

    [LibraryImport(Library, EntryPoint = "getpid")]
    internal static partial int getpid();

    [LibraryImport(Library, EntryPoint = "gettid")]
    internal static partial int gettid();

    [LibraryImport(Library, EntryPoint = "tgkill", SetLastError = true)]
    internal static partial int tgkill(int tgid, int tid, int sig);
}
