namespace Gmem.Reference.Kvm;

/// <summary>
/// What a fault read before looking anything up: the invalidation sequence number (spec §3 "snap")
/// and the position in the <see cref="InvalidationLog"/> (the witness for invariant 6).
/// </summary>
/// <param name="Sequence">The VM's invalidation sequence number.</param>
/// <param name="LogPosition">Number of ranges logged when the snapshot was taken.</param>
internal readonly record struct FaultSnapshot(ulong Sequence, long LogPosition);
