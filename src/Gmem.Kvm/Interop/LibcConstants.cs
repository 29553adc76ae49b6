namespace Gmem.Kvm.Interop;

/// <summary>x86-64 Linux values of the libc constants the raw layer passes (C names).</summary>
internal static class LibcConstants
{
    internal const int O_RDONLY = 0x0;
    internal const int O_RDWR = 0x2;
    internal const int O_CLOEXEC = 0x80000;

    internal const int PROT_NONE = 0x0;
    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;

    internal const int MAP_SHARED = 0x01;
    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_ANONYMOUS = 0x20;
    internal const int MAP_NORESERVE = 0x4000;
    internal static readonly nint MAP_FAILED = -1;

    internal const uint MFD_CLOEXEC = 0x1;

    internal const int F_GETFD = 1;
    internal const int F_GETFL = 3;
    internal const int FD_CLOEXEC = 1;

    internal const int SEEK_SET = 0;
    internal const int SEEK_CUR = 1;
    internal const int SEEK_END = 2;

    internal const int SIGUSR2 = 12;
}
