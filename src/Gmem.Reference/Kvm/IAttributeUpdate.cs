namespace Gmem.Reference.Kvm;

/// <summary>A reserved, not yet published attribute change (see <see cref="IMemoryAttributeStore.Prepare"/>).</summary>
internal interface IAttributeUpdate
{
    /// <summary>First frame changed.</summary>
    Gfn Start { get; }

    /// <summary>One past the last frame changed.</summary>
    Gfn End { get; }

    /// <summary>The new attributes.</summary>
    MemoryAttributes Attributes { get; }
}
