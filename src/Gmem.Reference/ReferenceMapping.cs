namespace Gmem.Reference;

/// <summary>A run of guest memory as a Reference VM maps it: one stage-2 leaf, or an unmapped run of one attribute.</summary>
/// <param name="Start">First guest physical address.</param>
/// <param name="Length">Bytes.</param>
/// <param name="IsPrivate">Whether the attribute is private.</param>
/// <param name="LeafBytes">The stage-2 leaf size that maps it (4 KiB, 2 MiB, 1 GiB), or 0 when not mapped.</param>
public readonly record struct ReferenceMapping(Gpa Start, ulong Length, bool IsPrivate, ulong LeafBytes);
