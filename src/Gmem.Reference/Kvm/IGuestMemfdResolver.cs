namespace Gmem.Reference.Kvm;

/// <summary>Resolves a file descriptor number of the host process to a guest_memfd (the kernel's fget).</summary>
internal interface IGuestMemfdResolver
{
    /// <summary>What <paramref name="fd"/> is; <paramref name="file"/> is set for a guest_memfd.</summary>
    GuestMemfdLookup Resolve(int fd, out IGmemBinding? file);
}
