using Gmem.Reference.Host;

namespace Gmem.Reference.GuestMemfd;

/// <summary>
/// The <see cref="IGuestMemfd"/> a VM returns: one descriptor of a <see cref="GuestMemfdFile"/> in the host
/// process. Dispose closes that descriptor (once); the file lives on while another descriptor or a mapping
/// refers to it.
/// </summary>
internal sealed class GuestMemfdHandle(HostProcess host, GuestMemfdFile file, int fd) : IGuestMemfd
{
    private int _closed;

    /// <summary>The file (for the hypervisor half and tests).</summary>
    public GuestMemfdFile File { get; } = file;

    /// <inheritdoc/>
    public int Fd { get; } = fd;

    /// <inheritdoc/>
    public long Size => File.Size;

    /// <inheritdoc/>
    public GuestMemfdFlags Flags => File.Flags;

    /// <inheritdoc/>
    public void Fallocate(FallocateMode mode, long offset, long length) => Fallocate(FallocateFlags.ToRaw(mode), offset, length);

    /// <inheritdoc/>
    public void Fallocate(int mode, long offset, long length) => host.Fallocate(OpenFd(), mode, offset, length);

    /// <inheritdoc/>
    public HostMapping Map(long offset, long length) => host.MapFile(OpenFd(), offset, length, MapProtection.ReadWrite, MapFlags.Shared);

    /// <inheritdoc/>
    public void SetMemoryAttributes(long offset, long size, MemoryAttributes attributes)
    {
        OpenFd();
        File.SetMemoryAttributes(offset, size, attributes);
    }

    /// <summary>The descriptor, unless this handle closed it (its number may belong to another file by now).</summary>
    private int OpenFd()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        return Fd;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            host.Close(Fd);
        }
    }
}
