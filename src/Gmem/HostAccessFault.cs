namespace Gmem;

/// <summary>
/// A host access that the kernel answers with SIGBUS (a private page, a page beyond the end of a guest
/// memory file). The accessing code gets this exception; the process and every VM keep running.
/// </summary>
public sealed class HostAccessFault : GmemException
{
    /// <summary>Creates a fault for an access at <paramref name="address"/>.</summary>
    public HostAccessFault(string operation, Hva address, string? message = null)
        : base(operation, Errno.EFAULT, message ?? $"SIGBUS at {address}.")
    {
        Address = address;
    }

    /// <summary>The host address whose access faulted.</summary>
    public Hva Address { get; }
}
