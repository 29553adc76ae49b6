namespace Gmem.Reference.Kvm;

/// <summary>What a memslot's guest_memfd field names in the host process (checks 11–12).</summary>
internal enum GuestMemfdLookup
{
    /// <summary>No open file descriptor with that number (EBADF).</summary>
    NotOpen,

    /// <summary>An open file that is not a guest_memfd (EINVAL).</summary>
    NotGuestMemfd,

    /// <summary>A guest_memfd.</summary>
    GuestMemfd,
}
