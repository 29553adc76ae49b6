namespace Gmem;

/// <summary>Linux error numbers (x86-64 values) that the kernel's guest memory interface returns.</summary>
public enum Errno
{
    /// <summary>Operation not permitted.</summary>
    EPERM = 1,
    /// <summary>No such file or directory; no memslot (pre-fault).</summary>
    ENOENT = 2,
    /// <summary>Interrupted system call.</summary>
    EINTR = 4,
    /// <summary>I/O error.</summary>
    EIO = 5,
    /// <summary>No such device or address (re-opening a guest_memfd by path).</summary>
    ENXIO = 6,
    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,
    /// <summary>Try again (in-place conversion blocked by an extra reference).</summary>
    EAGAIN = 11,
    /// <summary>Out of memory.</summary>
    ENOMEM = 12,
    /// <summary>Permission denied (PROT_EXEC on a guest_memfd mapping, no access to /dev/kvm).</summary>
    EACCES = 13,
    /// <summary>Bad address; also the errno of a memory-fault exit.</summary>
    EFAULT = 14,
    /// <summary>Device or resource busy (pin conflicts).</summary>
    EBUSY = 16,
    /// <summary>File exists (overlapping memslot or binding).</summary>
    EEXIST = 17,
    /// <summary>No such device (mmap of a guest_memfd without MMAP).</summary>
    ENODEV = 19,
    /// <summary>Invalid argument.</summary>
    EINVAL = 22,
    /// <summary>Inappropriate ioctl for device.</summary>
    ENOTTY = 25,
    /// <summary>File too large.</summary>
    EFBIG = 27,
    /// <summary>No space left on device.</summary>
    ENOSPC = 28,
    /// <summary>Illegal seek.</summary>
    ESPIPE = 29,
    /// <summary>Operation not supported.</summary>
    EOPNOTSUPP = 95,
    /// <summary>Memory page has hardware error.</summary>
    EHWPOISON = 133,
}
