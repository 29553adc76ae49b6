namespace Gmem;

/// <summary>A guest memory file (one VM's view of the memory). Dispose closes the file descriptor.</summary>
public interface IGuestMemfd : IDisposable
{
    /// <summary>The file descriptor in the host process.</summary>
    int Fd { get; }

    /// <summary>The size fixed at creation, in bytes.</summary>
    long Size { get; }

    /// <summary>The flags it was created with.</summary>
    GuestMemfdFlags Flags { get; }

    /// <summary><c>fallocate</c> with one of the two supported modes.</summary>
    /// <exception cref="GmemException">The errno of spec §2.3/§2.4.</exception>
    void Fallocate(FallocateMode mode, long offset, long length);

    /// <summary><c>fallocate</c> with raw kernel mode bits (<see cref="FallocateFlags"/>).</summary>
    void Fallocate(int mode, long offset, long length);

    /// <summary><c>mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset)</c> in the host process.</summary>
    /// <exception cref="GmemException"><see cref="Errno.ENODEV"/> when the file lacks <see cref="GuestMemfdFlags.Mmap"/>.</exception>
    HostMapping Map(long offset, long length);

    /// <summary>
    /// In-place conversion (per-file attributes, the in-flight kernel model): returns normally or throws
    /// <see cref="GmemException"/> with <see cref="Errno.EAGAIN"/> whose <see cref="GmemException.ErrorOffset"/>
    /// names the first page that blocked it.
    /// </summary>
    /// <exception cref="GmemException"><see cref="Errno.ENOTTY"/> where the platform keeps attributes per VM.</exception>
    void SetMemoryAttributes(long offset, long size, MemoryAttributes attributes);
}
