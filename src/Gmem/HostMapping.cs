namespace Gmem;

/// <summary>
/// A mapping in the host process (the result of <c>mmap</c>). Dispose unmaps it. Its memory is reached through
/// <see cref="IHostProcess.Read"/> and <see cref="IHostProcess.Write"/>, which turn SIGBUS and EFAULT into
/// exceptions instead of crashing the process.
/// </summary>
public sealed class HostMapping : IDisposable
{
    private Action<HostMapping>? _unmap;

    /// <summary>Creates the handle of a mapping; <paramref name="unmap"/> runs once, on the first Dispose.</summary>
    public HostMapping(IHostProcess process, Hva address, long length, Action<HostMapping> unmap)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(unmap);
        Process = process;
        Address = address;
        Length = length;
        _unmap = unmap;
    }

    /// <summary>The process the mapping lives in.</summary>
    public IHostProcess Process { get; }

    /// <summary>The first address of the mapping.</summary>
    public Hva Address { get; }

    /// <summary>Length of the mapping in bytes.</summary>
    public long Length { get; }

    /// <summary>Whether <see cref="Dispose"/> has run.</summary>
    public bool IsUnmapped => Volatile.Read(ref _unmap) is null;

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="offset"/> into the mapping.</summary>
    /// <exception cref="HostAccessFault">The kernel would raise SIGBUS for the access.</exception>
    public void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        Process.Read(Address + offset, destination);
    }

    /// <summary>Writes <paramref name="source"/> at <paramref name="offset"/> into the mapping.</summary>
    /// <exception cref="HostAccessFault">The kernel would raise SIGBUS for the access.</exception>
    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        Process.Write(Address + offset, source);
    }

    /// <summary>Unmaps the mapping (<c>munmap</c>). Idempotent.</summary>
    public void Dispose() => Interlocked.Exchange(ref _unmap, null)?.Invoke(this);

    private void CheckRange(long offset, int count)
    {
        ObjectDisposedException.ThrowIf(IsUnmapped, this);
        if (offset < 0 || count < 0 || offset > Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{count}) is outside the mapping of {Length} bytes.");
        }
    }
}
