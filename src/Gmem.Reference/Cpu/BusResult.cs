namespace Gmem.Reference.Cpu;

/// <summary>
/// The outcome of one <see cref="IGuestBus"/> operation: a value (never an exception), so a faulting
/// access costs no allocation beyond the exit object it reports.
/// </summary>
public readonly struct BusResult : IEquatable<BusResult>
{
    private BusResult(BusStatus status, VcpuExit? exit)
    {
        Status = status;
        Exit = exit;
    }

    /// <summary>The access completed.</summary>
    public static BusResult Completed => default;

    /// <summary>The access must be retried (an invalidation raced with the fault).</summary>
    public static BusResult Retry => new(BusStatus.Retry, null);

    /// <summary>How the operation ended.</summary>
    public BusStatus Status { get; }

    /// <summary>The exit to deliver when <see cref="Status"/> is <see cref="BusStatus.Exit"/>; otherwise null.</summary>
    public VcpuExit? Exit { get; }

    /// <summary>Whether the access completed.</summary>
    public bool IsCompleted => Status == BusStatus.Completed;

    /// <summary>The access needs the VMM: <paramref name="exit"/> is what <c>Run</c> returns.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="exit"/> is null.</exception>
    public static BusResult ExitWith(VcpuExit exit)
    {
        ArgumentNullException.ThrowIfNull(exit);
        return new BusResult(BusStatus.Exit, exit);
    }

    /// <inheritdoc/>
    public bool Equals(BusResult other) => Status == other.Status && ReferenceEquals(Exit, other.Exit);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BusResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Status, Exit);

    /// <summary>Equality.</summary>
    public static bool operator ==(BusResult left, BusResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(BusResult left, BusResult right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Exit is null ? Status.ToString() : $"{Status}: {Exit}";
}
