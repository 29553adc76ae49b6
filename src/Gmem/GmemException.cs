using System.Globalization;

namespace Gmem;

/// <summary>
/// A failed kernel operation: carries the Linux errno and the name of the operation
/// (<c>KVM_SET_USER_MEMORY_REGION2</c>, <c>fallocate</c>, ...), exactly as the kernel would report it.
/// </summary>
public class GmemException : IOException
{
    /// <summary>Creates an exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public GmemException(string operation, Errno errno, string? message = null, long? errorOffset = null, Exception? innerException = null)
        : base(Format(operation, errno, message), innerException)
    {
        Operation = operation;
        Errno = errno;
        ErrorOffset = errorOffset;
        HResult = unchecked((int)0x80070000) | (int)errno;
    }

    /// <summary>The Linux error number.</summary>
    public Errno Errno { get; }

    /// <summary>The operation that failed, by its kernel name.</summary>
    public string Operation { get; }

    /// <summary>For in-place conversion refused with <see cref="Errno.EAGAIN"/>: the first file offset that blocked it.</summary>
    public long? ErrorOffset { get; }

    /// <summary>Creates the exception for a raw errno value as returned by a system call.</summary>
    public static GmemException FromErrno(string operation, int errno, string? message = null) =>
        new(operation, (Errno)errno, message);

    private static string Format(string operation, Errno errno, string? message)
    {
        string name = Enum.IsDefined(errno) ? errno.ToString() : "errno " + ((int)errno).ToString(CultureInfo.InvariantCulture);
        return message is null ? $"{operation} failed: {name}." : $"{operation} failed: {name}: {message}";
    }
}
