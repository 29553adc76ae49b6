namespace Gmem.Vmm.Programs;

/// <summary>
/// One operation of a <see cref="GuestProgram"/>: a closed set of platform-neutral steps that every
/// <see cref="IGuestProgramBackend"/> compiles. Loops hold their bodies, so a program is a tree.
/// </summary>
public abstract record GuestOp
{
    private protected GuestOp()
    {
    }

    /// <summary>Store <paramref name="Value"/> into every byte of the range.</summary>
    /// <param name="Start">First byte.</param>
    /// <param name="LengthBytes">Bytes.</param>
    /// <param name="Value">The byte stored.</param>
    public sealed record Fill(GuestAddress Start, ulong LengthBytes, byte Value) : GuestOp;

    /// <summary>
    /// Check every byte of the range equals <paramref name="Expected"/>; on the first mismatch report its
    /// address (<see cref="GuestReportKind.VerifyMismatch"/>) and go on with the next op.
    /// </summary>
    /// <param name="Start">First byte.</param>
    /// <param name="LengthBytes">Bytes.</param>
    /// <param name="Expected">The byte every position must hold.</param>
    public sealed record Verify(GuestAddress Start, ulong LengthBytes, byte Expected) : GuestOp;

    /// <summary>Touch one byte at <c>Start + k × 4 KiB</c> for every k with that address inside the range.</summary>
    /// <param name="Start">First byte.</param>
    /// <param name="LengthBytes">Bytes.</param>
    /// <param name="Kind">Read or write.</param>
    /// <param name="Value">The byte written by a write touch.</param>
    public sealed record Touch(GuestAddress Start, ulong LengthBytes, TouchKind Kind, byte Value) : GuestOp;

    /// <summary>
    /// <c>KVM_HC_MAP_GPA_RANGE(start, pages, attributes)</c> with bit 4 of the attributes set when
    /// <paramref name="ToPrivate"/> (page-size hint 0 = 4 KiB). A non-zero result is reported
    /// (<see cref="GuestReportKind.HypercallFailed"/>).
    /// </summary>
    /// <param name="Start">First byte (page aligned for the hypercall to succeed).</param>
    /// <param name="LengthBytes">Bytes (rounded up to whole pages).</param>
    /// <param name="ToPrivate">Convert to private (true) or to shared (false).</param>
    public sealed record MapGpaRange(GuestAddress Start, ulong LengthBytes, bool ToPrivate) : GuestOp;

    /// <summary>Report a 32-bit value to the host (<see cref="GuestReportKind.Value"/>).</summary>
    /// <param name="Value">The value.</param>
    public sealed record Report(uint Value) : GuestOp;

    /// <summary>Run <paramref name="Body"/> <paramref name="Count"/> times (0 = not at all).</summary>
    /// <param name="Count">Iterations.</param>
    /// <param name="Body">The repeated ops.</param>
    public sealed record Repeat(ulong Count, IReadOnlyList<GuestOp> Body) : GuestOp;

    /// <summary>Run <paramref name="Body"/> forever (a spinning guest; the VMM stops it).</summary>
    /// <param name="Body">The repeated ops.</param>
    public sealed record Forever(IReadOnlyList<GuestOp> Body) : GuestOp;

    /// <summary>
    /// Run <paramref name="Body"/> once per chunk of the range, with the cursor at <c>Start</c>,
    /// <c>Start + ChunkBytes</c>, … (every chunk start inside the range; the last chunk may be short).
    /// </summary>
    /// <param name="Start">First byte (may itself be relative to an outer cursor).</param>
    /// <param name="LengthBytes">Bytes of the range.</param>
    /// <param name="ChunkBytes">Cursor step (&gt; 0).</param>
    /// <param name="Body">The ops run per chunk.</param>
    public sealed record ForEachChunk(GuestAddress Start, ulong LengthBytes, ulong ChunkBytes, IReadOnlyList<GuestOp> Body) : GuestOp;

    /// <summary>Stop the vCPU (a <see cref="VcpuExit.Hlt"/> exit); running it again continues with the next op.</summary>
    public sealed record Halt : GuestOp
    {
        /// <summary>The one instance.</summary>
        public static Halt Instance { get; } = new();
    }
}
