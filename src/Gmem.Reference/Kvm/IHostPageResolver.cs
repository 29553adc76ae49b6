namespace Gmem.Reference.Kvm;

/// <summary>
/// The shared half of a guest fault: the host process's page behind a userspace address (the
/// kernel's hva_to_pfn / GUP, faulting the page in when needed). Implemented by the host process.
/// </summary>
internal interface IHostPageResolver
{
    /// <summary>
    /// The frame behind <paramref name="address"/> for a guest access; 0 on success, else the errno
    /// (EFAULT: no VMA or no access, EHWPOISON …). The folio tells how large a mapping may be.
    /// </summary>
    Errno Resolve(Hva address, bool write, out Pfn frame, out Pfn folioHead, out int folioOrder);
}
