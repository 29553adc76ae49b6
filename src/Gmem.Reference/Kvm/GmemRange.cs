namespace Gmem.Reference.Kvm;

/// <summary>A file page range [Start, End) to invalidate, through the binding of <paramref name="Slot"/>.</summary>
/// <param name="Slot">The memslot bound to (part of) the range.</param>
/// <param name="Start">First file page.</param>
/// <param name="End">One past the last file page.</param>
internal readonly record struct GmemRange(Memslot Slot, PageIndex Start, PageIndex End);
