namespace Gmem.Vmm.X86;

/// <summary>Bytes the boot helper wants at a guest physical address.</summary>
/// <param name="Address">Where the bytes go.</param>
/// <param name="Bytes">The bytes.</param>
public readonly record struct X86MemoryChunk(Gpa Address, byte[] Bytes)
{
    /// <summary>The first address after the chunk.</summary>
    public Gpa End => Address + (ulong)Bytes.Length;
}
