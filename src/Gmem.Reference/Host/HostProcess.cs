// The VMM's own process on the Reference platform (IHostProcess): one descriptor table for every kind
// of file (/dev/kvm, VM files, guest memory files, memfds) and one address space of anonymous, memfd
// and guest memory mappings.
//
// Data model: FdTable (descriptor → HostFile) and HostAddressSpace (Vmas, page tables). A mapping holds a
// file reference of its own, so closing the descriptor of a mapped file keeps the file alive (§2.10).
// Every operation mirrors one system call with that call's check order and errno; bad memory accesses
// become GmemException(EFAULT) or HostAccessFault, never a crash.
//
// Locking: see FdTable and HostAddressSpace; this type adds none.

namespace Gmem.Reference.Host;

/// <summary>The simulated host process.</summary>
internal sealed class HostProcess : IHostProcess
{
    /// <summary>Creates an empty process whose memory comes from <paramref name="frames"/>.</summary>
    public HostProcess(FrameAccess frames)
    {
        Frames = frames;
        Files = new FdTable();
        AddressSpace = new HostAddressSpace(frames);
    }

    /// <summary>Frame allocation and access.</summary>
    public FrameAccess Frames { get; }

    /// <summary>The descriptor table.</summary>
    public FdTable Files { get; }

    /// <summary>The address space.</summary>
    public HostAddressSpace AddressSpace { get; }

    /// <summary>Installs <paramref name="file"/> (taking over the caller's reference) and returns its descriptor.</summary>
    public int Install(HostFile file, bool closeOnExec) => Files.Install(file, closeOnExec);

    /// <summary>fget: the file behind <paramref name="fd"/> with a reference the caller must Put; EBADF otherwise.</summary>
    public HostFile GetFile(int fd, string operation) => Files.Get(fd, operation);

    /// <inheritdoc/>
    public HostMapping MapAnonymous(long length)
    {
        if (length <= 0)
        {
            throw new GmemException("mmap", Errno.EINVAL, $"Length {length}.");
        }
        Vma vma = AddressSpace.Map(length, MapProtection.ReadWrite, shared: false, file: null, default);
        return NewMapping(vma, length);
    }

    /// <inheritdoc/>
    public int CreateMemfd(string name, long size)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (size < 0)
        {
            throw new GmemException("ftruncate", Errno.EINVAL);
        }
        return Files.Install(new MemfdFile(Frames, size), closeOnExec: true);
    }

    /// <inheritdoc/>
    public void Close(int fd) => Files.Close(fd);

    /// <inheritdoc/>
    public void Read(Hva address, Span<byte> destination) => AddressSpace.Read(address, destination);

    /// <inheritdoc/>
    public void Write(Hva address, ReadOnlySpan<byte> source) => AddressSpace.Write(address, source);

    /// <summary>
    /// mmap of a descriptor, in the kernel's check order: unaligned offset → EINVAL; bad descriptor → EBADF;
    /// length ≤ 0 → EINVAL; no mapping type → EINVAL (SHARED|PRIVATE is MAP_SHARED_VALIDATE); PROT_EXEC on a noexec file →
    /// EPERM; then the file's own mmap (no mmap → ENODEV; guest memory: ENODEV without MMAP, EINVAL unless shared).
    /// </summary>
    public HostMapping MapFile(int fd, long offset, long length, MapProtection protection, MapFlags flags)
    {
        const string op = "mmap";
        if (offset < 0 || !Page.IsAligned(offset))
        {
            throw new GmemException(op, Errno.EINVAL, $"Offset {offset} is not page aligned.");
        }
        HostFile file = Files.Get(fd, op);
        try
        {
            if (length <= 0)
            {
                throw new GmemException(op, Errno.EINVAL, $"Length {length}.");
            }
            // MAP_SHARED | MAP_PRIVATE is MAP_SHARED_VALIDATE (0x03): a shared mapping.
            MapFlags type = flags & (MapFlags.Shared | MapFlags.Private);
            if (type == 0)
            {
                throw new GmemException(op, Errno.EINVAL, "No mapping type (MAP_SHARED or MAP_PRIVATE).");
            }
            if ((protection & MapProtection.Exec) != 0 && !file.AllowsExec)
            {
                throw new GmemException(op, Errno.EPERM, "PROT_EXEC on a file of a noexec mount.");
            }
            file.CheckMmap(flags, protection);
            Vma vma = AddressSpace.Map(length, protection, (type & MapFlags.Shared) != 0, file, PageIndex.FromOffset(offset));
            return NewMapping(vma, length);
        }
        catch
        {
            file.Put();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Protect(Hva address, long length, MapProtection protection) => AddressSpace.Protect(address, length, protection);

    /// <inheritdoc/>
    public void Advise(Hva address, long length, MemoryAdvice advice) => AddressSpace.Advise(address, length, advice);

    /// <inheritdoc/>
    public int FileRead(int fd, Span<byte> buffer)
    {
        HostFile file = Files.Get(fd, "read");
        try
        {
            return file.Read(buffer);
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public int FileWrite(int fd, ReadOnlySpan<byte> buffer)
    {
        HostFile file = Files.Get(fd, "write");
        try
        {
            return file.Write(buffer);
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public int FilePRead(int fd, Span<byte> buffer, long offset)
    {
        HostFile file = Files.Get(fd, "pread");
        try
        {
            return file.PRead(buffer, offset);
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public int FilePWrite(int fd, ReadOnlySpan<byte> buffer, long offset)
    {
        HostFile file = Files.Get(fd, "pwrite");
        try
        {
            return file.PWrite(buffer, offset);
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public long FileSeek(int fd, long offset, SeekOrigin whence) => With(fd, "lseek", f => f.Seek(offset, whence));

    /// <summary>ftruncate: EBADF, then EINVAL for a negative length or a file that cannot change size.</summary>
    public void FileTruncate(int fd, long length) => With(fd, "ftruncate", f =>
    {
        if (length < 0)
        {
            throw new GmemException("ftruncate", Errno.EINVAL);
        }
        f.Truncate(length);
        return 0;
    });

    /// <inheritdoc/>
    public FileStatus FileStat(int fd) => With(fd, "fstat", f => f.Stat());

    /// <inheritdoc/>
    public FileDescriptorState GetDescriptorState(int fd)
    {
        HostFile file = Files.Get(fd, "fcntl");
        try
        {
            return new FileDescriptorState(file.StatusFlags, Files.IsCloseOnExec(fd, "fcntl"));
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public int Dup(int fd)
    {
        HostFile file = Files.Get(fd, "dup");
        return Files.Install(file, closeOnExec: false);
    }

    /// <inheritdoc/>
    public int ReopenByPath(int fd)
    {
        HostFile file = Files.Get(fd, "open");
        try
        {
            return Files.Install(file.Reopen(), closeOnExec: true);
        }
        finally
        {
            file.Put();
        }
    }

    /// <inheritdoc/>
    public int Ioctl(int fd, uint request) => With(fd, "ioctl", f => f.Ioctl(request));

    /// <summary>fallocate of a descriptor.</summary>
    public void Fallocate(int fd, int mode, long offset, long length) => With(fd, "fallocate", f =>
    {
        f.Fallocate(mode, offset, length);
        return 0;
    });

    private T With<T>(int fd, string operation, Func<HostFile, T> action)
    {
        HostFile file = Files.Get(fd, operation);
        try
        {
            return action(file);
        }
        finally
        {
            file.Put();
        }
    }

    private HostMapping NewMapping(Vma vma, long length) =>
        new(this, vma.Start, length, m => AddressSpace.Unmap(m.Address, m.Length));
}
