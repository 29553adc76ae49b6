using System.Runtime.InteropServices;

// C name on purpose (the raw layer keeps the kernel's names).
#pragma warning disable CS8981

namespace Gmem.Kvm.Interop;

/// <summary>x86-64 <c>struct stat</c> (144 bytes) as the kernel's <c>fstat</c> fills it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct stat
{
    public ulong st_dev;
    public ulong st_ino;
    public ulong st_nlink;
    public uint st_mode;
    public uint st_uid;
    public uint st_gid;
    public int __pad0;
    public ulong st_rdev;
    public long st_size;
    public long st_blksize;
    public long st_blocks;
    public long st_atime;
    public long st_atime_nsec;
    public long st_mtime;
    public long st_mtime_nsec;
    public long st_ctime;
    public long st_ctime_nsec;
    public fixed long __unused[3];
}
