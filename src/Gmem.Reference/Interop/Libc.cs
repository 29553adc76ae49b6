using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Gmem.Reference.Interop;

/// <summary>
/// Raw Linux libc calls used by the Reference platform's memory (C names, no cleverness, never throws:
/// callers read <see cref="Marshal.GetLastPInvokeError"/>).
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc.so.6";

    public const uint MFD_CLOEXEC = 0x0001;
    public const uint MFD_HUGETLB = 0x0004;
    public const int MFD_HUGE_SHIFT = 26;
    public const uint MFD_HUGE_2MB = 21u << MFD_HUGE_SHIFT;
    public const uint MFD_HUGE_1GB = 30u << MFD_HUGE_SHIFT;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_NORESERVE = 0x4000;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;

    public const int MADV_DONTNEED = 4;
    public const int MADV_REMOVE = 9;

    public static readonly nint MAP_FAILED = -1;

    [LibraryImport(Library, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int ftruncate(SafeFileHandle fd, long length);

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int fallocate(SafeFileHandle fd, int mode, long offset, long len);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint mmap(nint addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint mmap_anonymous(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int munmap(nint addr, nuint length);

    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    public static partial int madvise(nint addr, nuint length, int advice);
}
