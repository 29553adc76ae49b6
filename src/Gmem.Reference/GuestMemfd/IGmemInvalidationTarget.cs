namespace Gmem.Reference.GuestMemfd;

/// <summary>
/// The secondary MMU side of spec §3, as a guest memory file drives it: a VM with a binding into a range
/// that is punched, poisoned, converted or released gets exactly one <see cref="InvalidateBegin"/>, one
/// <see cref="InvalidateRangeAdd"/> per intersecting binding, and one <see cref="InvalidateEnd"/>, all
/// while the file's inode holds its invalidation lock (so bindings cannot change in between). The
/// mutation (freeing frames, storing attributes) happens between the range adds and the end.
/// Implemented by <c>Kvm.Vm</c>; each method takes the VM's mmu lock itself.
/// </summary>
internal interface IGmemInvalidationTarget
{
    /// <summary>INVALIDATE_BEGIN: <c>in_progress += 1</c>; a new epoch resets the range when it goes 0→1.</summary>
    void InvalidateBegin();

    /// <summary>
    /// RANGE_ADD of [<paramref name="start"/>, <paramref name="end"/>) into the in-progress hull, then zap the
    /// stage-2 entries of that range selected by <paramref name="filter"/> and flush TLBs.
    /// </summary>
    void InvalidateRangeAdd(Gfn start, Gfn end, GmemInvalidationFilter filter);

    /// <summary>INVALIDATE_END: <c>seq += 1</c> (visible before) <c>in_progress -= 1</c>.</summary>
    void InvalidateEnd();
}
