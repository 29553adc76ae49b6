// An open file description of the simulated host process (the kernel's `struct file`).
//
// Data model: one object per open description; descriptors (FdTable entries, dup-ed or not) and
// mappings (Vma.File) each hold one reference. The last Put runs Release exactly once — for a guest
// memory file that is spec §2.10, for a VM file it drops the VM reference. The virtual operations are
// the file's `f_op`: the defaults are what the kernel answers for a file that lacks the operation
// (read/write → EINVAL, pread/pwrite/lseek → ESPIPE, ioctl → ENOTTY, mmap → ENODEV, re-open → ENXIO).
//
// Locking: the reference count is atomic; Release runs on the thread that dropped the last
// reference, with no lock of the caller held that Release could need (callers Put after unlocking).

namespace Gmem.Reference.Host;

/// <summary>An open file description in a <see cref="HostProcess"/>.</summary>
internal abstract class HostFile
{
    private int _references = 1;

    /// <summary>The open-file status flags (<c>F_GETFL</c>).</summary>
    public virtual int StatusFlags => FileDescriptorState.ReadWrite | FileDescriptorState.LargeFile;

    /// <summary>Whether <c>mmap</c> may set PROT_EXEC (false for files on a noexec mount).</summary>
    public virtual bool AllowsExec => true;

    /// <summary>Whether MADV_COLLAPSE may build huge host mappings of the file.</summary>
    public virtual bool SupportsHugeMappings => true;

    /// <summary>Whether the file is still referenced by a descriptor or a mapping.</summary>
    public bool IsLive => Volatile.Read(ref _references) > 0;

    /// <summary>Takes a reference (a new descriptor or mapping).</summary>
    public void Get()
    {
        int after = Interlocked.Increment(ref _references);
        Debug.Assert(after > 1, "Get on a released file");
    }

    /// <summary>Drops a reference; the last one releases the file.</summary>
    public void Put()
    {
        int after = Interlocked.Decrement(ref _references);
        Debug.Assert(after >= 0, "Put on a released file");
        if (after == 0)
        {
            Release();
        }
    }

    /// <summary><c>read(2)</c>.</summary>
    public virtual int Read(Span<byte> buffer) => throw new GmemException("read", Errno.EINVAL);

    /// <summary><c>write(2)</c>.</summary>
    public virtual int Write(ReadOnlySpan<byte> buffer) => throw new GmemException("write", Errno.EINVAL);

    /// <summary><c>pread(2)</c>.</summary>
    public virtual int PRead(Span<byte> buffer, long offset) => throw new GmemException("pread", Errno.ESPIPE);

    /// <summary><c>pwrite(2)</c>.</summary>
    public virtual int PWrite(ReadOnlySpan<byte> buffer, long offset) => throw new GmemException("pwrite", Errno.ESPIPE);

    /// <summary><c>lseek(2)</c>.</summary>
    public virtual long Seek(long offset, SeekOrigin whence) => throw new GmemException("lseek", Errno.ESPIPE);

    /// <summary><c>ftruncate(2)</c> (a non-regular file answers EINVAL).</summary>
    public virtual void Truncate(long length) => throw new GmemException("ftruncate", Errno.EINVAL);

    /// <summary><c>fstat(2)</c>.</summary>
    public abstract FileStatus Stat();

    /// <summary><c>ioctl(2)</c> with a request this model does not implement.</summary>
    public virtual int Ioctl(uint request) => throw new GmemException("ioctl", Errno.ENOTTY);

    /// <summary><c>open("/proc/self/fd/N")</c>: a new description of the same file.</summary>
    public virtual HostFile Reopen() => throw new GmemException("open", Errno.ENXIO);

    /// <summary><c>fallocate(2)</c> with raw mode bits.</summary>
    public virtual void Fallocate(int mode, long offset, long length) => throw new GmemException("fallocate", Errno.ENODEV);

    /// <summary>
    /// The file's <c>f_op->mmap</c>: validates a new mapping (after the generic checks). Throws ENODEV
    /// when the file cannot be mapped at all.
    /// </summary>
    public virtual void CheckMmap(MapFlags flags, MapProtection protection) => throw new GmemException("mmap", Errno.ENODEV);

    /// <summary>
    /// A user fault on page <paramref name="index"/> of the file: installs the frame into
    /// <paramref name="vma"/> while the frame is guaranteed to stay in the file.
    /// </summary>
    /// <exception cref="HostAccessFault">The kernel would raise SIGBUS.</exception>
    public virtual void FaultShared(Vma vma, PageIndex index, bool write, Hva address) =>
        throw new HostAccessFault("fault", address);

    /// <summary>A mapping of this file was created (the file's <c>i_mmap</c> list).</summary>
    public virtual void AddMapping(Vma vma)
    {
    }

    /// <summary>A mapping of this file went away.</summary>
    public virtual void RemoveMapping(Vma vma)
    {
    }

    /// <summary>The last reference is gone.</summary>
    protected abstract void Release();
}
