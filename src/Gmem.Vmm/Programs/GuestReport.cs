namespace Gmem.Vmm.Programs;

/// <summary>One report of a guest program, decoded from its port I/O by <see cref="GuestReportDecoder"/>.</summary>
/// <param name="Kind">What it reports.</param>
/// <param name="Value">The value, the mismatching address, or the hypercall result (sign-extended).</param>
public readonly record struct GuestReport(GuestReportKind Kind, long Value)
{
    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        GuestReportKind.VerifyMismatch => $"{Kind} at {new Gpa((ulong)Value)}",
        _ => $"{Kind} {Value}",
    };
}
