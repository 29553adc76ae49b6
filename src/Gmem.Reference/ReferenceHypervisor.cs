namespace Gmem.Reference;

/// <summary>The managed Reference platform.</summary>
public sealed class ReferenceHypervisor
{
    /// <summary>Creates a Reference host with <paramref name="options"/> (defaults when null).</summary>
    public ReferenceHypervisor(ReferenceOptions? options = null)
    {
        Options = options ?? new ReferenceOptions();
        throw new NotSupportedException("The Reference platform is not built yet.");
    }

    /// <summary>The options it was created with.</summary>
    public ReferenceOptions Options { get; }
}
