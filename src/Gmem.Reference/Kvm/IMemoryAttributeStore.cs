namespace Gmem.Reference.Kvm;

/// <summary>
/// Where a VM looks up the private/shared attribute of a guest frame. Model A (per VM, keyed by
/// gfn) is <see cref="RangeAttributeStore"/>; the in-place conversion model keeps attributes per file
/// and plugs in behind the same interface.
/// </summary>
/// <remarks>
/// Readers (faults, the invariant checker) never block; writers are serialised by the VM's slots
/// lock. A change is two-phase, as in the kernel: <see cref="Prepare"/> reserves everything the
/// change needs (and may fail with nothing changed), <see cref="Commit"/> publishes it.
/// </remarks>
internal interface IMemoryAttributeStore
{
    /// <summary>The attributes of <paramref name="gfn"/> (None = shared).</summary>
    MemoryAttributes Get(Gfn gfn);

    /// <summary>Whether every frame of [start, end) has exactly <paramref name="attributes"/>.</summary>
    bool IsUniform(Gfn start, Gfn end, MemoryAttributes attributes);

    /// <summary>Whether every frame of [start, end) has the same attributes (whichever they are).</summary>
    bool IsUniform(Gfn start, Gfn end);

    /// <summary>Reserves the change of [start, end) to <paramref name="attributes"/>; nothing is visible yet.</summary>
    /// <exception cref="GmemException">ENOMEM when the change cannot be stored.</exception>
    IAttributeUpdate Prepare(Gfn start, Gfn end, MemoryAttributes attributes);

    /// <summary>Publishes a prepared change (cannot fail).</summary>
    void Commit(IAttributeUpdate update);

    /// <summary>The current non-shared runs, sorted (for checkers and tests).</summary>
    IReadOnlyList<AttributeRange> Ranges { get; }
}
