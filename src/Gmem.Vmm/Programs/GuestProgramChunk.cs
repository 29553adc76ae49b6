namespace Gmem.Vmm.Programs;

/// <summary>Bytes a compiled guest program needs at a guest physical address (code, tables, data).</summary>
/// <param name="Address">Where the bytes go.</param>
/// <param name="Bytes">The bytes.</param>
public sealed record GuestProgramChunk(Gpa Address, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>The first address after the chunk.</summary>
    public Gpa End => Address + (ulong)Bytes.Length;
}
