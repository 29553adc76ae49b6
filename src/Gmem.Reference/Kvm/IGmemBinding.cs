namespace Gmem.Reference.Kvm;

/// <summary>
/// What the hypervisor needs from a guest_memfd file (one VM's view of the memory): size, flags,
/// owner, the binding map page-range → memslot, and the page lookup of a guest fault (spec §2.11).
/// The guest memory file implements it; tests use fakes.
/// </summary>
internal interface IGmemBinding
{
    /// <summary>File size in bytes (fixed at creation).</summary>
    long Size { get; }

    /// <summary>Creation flags.</summary>
    GuestMemfdFlags Flags { get; }

    /// <summary>The VM that created the file (only it may bind it, check 13).</summary>
    object OwnerVm { get; }

    /// <summary>
    /// Binds [start, start + pages) to <paramref name="slot"/> under the inode's invalidation lock.
    /// </summary>
    /// <exception cref="GmemException">EEXIST when the range intersects an existing binding (7.2).</exception>
    void Bind(Memslot slot, PageIndex start, ulong pages);

    /// <summary>Removes the binding of <paramref name="slot"/> (no-op when the file was released).</summary>
    void Unbind(Memslot slot);

    /// <summary>The frame behind page <paramref name="index"/> for a guest fault on <paramref name="slot"/>.</summary>
    GmemPfnResult GetPfn(Memslot slot, PageIndex index);
}
