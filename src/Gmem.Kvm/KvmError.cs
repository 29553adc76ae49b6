using System.Runtime.InteropServices;

namespace Gmem.Kvm;

/// <summary>
/// The one place the safe layer turns a failed system call into an exception: it keeps the errno and the
/// operation's kernel name (<c>GmemException("KVM_SET_USER_MEMORY_REGION2", Errno.EEXIST)</c>).
/// </summary>
internal static class KvmError
{
    /// <summary>The errno of the last failed system call on this thread.</summary>
    internal static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>Throws for the last errno of <paramref name="operation"/>.</summary>
    internal static GmemException Last(string operation, string? message = null) =>
        new(operation, LastErrno, message);

    /// <summary>Returns <paramref name="result"/> when it is not negative, else throws with the errno.</summary>
    internal static int Check(int result, string operation)
    {
        if (result < 0)
        {
            throw Last(operation);
        }
        return result;
    }

    /// <summary>Returns <paramref name="result"/> when it is not negative, else throws with the errno.</summary>
    internal static long Check(long result, string operation)
    {
        if (result < 0)
        {
            throw Last(operation);
        }
        return result;
    }
}
