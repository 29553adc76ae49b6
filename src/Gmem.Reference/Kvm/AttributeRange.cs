namespace Gmem.Reference.Kvm;

/// <summary>One run [Start, End) of guest frames with the same non-zero attributes.</summary>
/// <param name="Start">First frame.</param>
/// <param name="End">One past the last frame.</param>
/// <param name="Attributes">The attributes of every frame in the run (never None).</param>
internal readonly record struct AttributeRange(Gfn Start, Gfn End, MemoryAttributes Attributes);
