using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// A guest memory file created by <c>KVM_CREATE_GUEST_MEMFD</c>: its fd, size and flags. Dispose closes the fd;
/// the kernel keeps the file (and the VM it pins) alive while a host mapping of it exists.
/// </summary>
public sealed unsafe class KvmGuestMemfd : IGuestMemfd
{
    private readonly FileDescriptorHandle _file;
    private readonly MemslotBackings _vm;
    private int _disposed;

    internal KvmGuestMemfd(FileDescriptorHandle file, long size, GuestMemfdFlags flags, MemslotBackings vm)
    {
        _file = file;
        Size = size;
        Flags = flags;
        _vm = vm;
        _vm.Retain();
    }

    /// <inheritdoc/>
    public int Fd => _file.Number;

    /// <inheritdoc/>
    public long Size { get; }

    /// <inheritdoc/>
    public GuestMemfdFlags Flags { get; }

    /// <inheritdoc/>
    public void Fallocate(FallocateMode mode, long offset, long length) => Fallocate(FallocateFlags.ToRaw(mode), offset, length);

    /// <summary><c>fallocate</c> with raw mode bits; EINTR (a signal during allocation) is retried.</summary>
    /// <exception cref="GmemException">The errno of spec §2.3/§2.4.</exception>
    public void Fallocate(int mode, long offset, long length)
    {
        int result;
        do
        {
            result = _file.Use((mode, offset, length), static (fd, a) => Libc.fallocate(fd, a.mode, a.offset, a.length));
        }
        while (result < 0 && KvmError.LastErrno == Errno.EINTR);
        if (result < 0)
        {
            throw KvmError.Last("fallocate", $"mode 0x{mode:x}, offset 0x{offset:x}, length 0x{length:x}.");
        }
    }

    /// <inheritdoc/>
    public HostMapping Map(long offset, long length)
    {
        bool added = false;
        try
        {
            // SAFETY: the reference keeps the fd number open during mmap; the mapping then holds the file itself.
            _file.DangerousAddRef(ref added);
            return KvmHostProcess.Current.MapGuestMemfd(_file, offset, length);
        }
        finally
        {
            if (added)
            {
                // SAFETY: releases the reference taken above.
                _file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// The in-flight per-file <c>KVM_SET_MEMORY_ATTRIBUTES2</c> ioctl (spec §2.18), issued for real on this fd.
    /// Upstream kernels (6.18 included) have no ioctl on a guest_memfd and answer <see cref="Errno.ENOTTY"/>.
    /// </summary>
    /// <exception cref="GmemException">The kernel's errno; for EAGAIN, <see cref="GmemException.ErrorOffset"/> is set.</exception>
    public void SetMemoryAttributes(long offset, long size, MemoryAttributes attributes)
    {
        kvm_memory_attributes2 request = default;
        request.offset = (ulong)offset;
        request.size = (ulong)size;
        request.attributes = (ulong)attributes;
        int result = _file.Use((nint)(&request), static (fd, p) => Libc.ioctl(fd, KvmIoctls.KVM_SET_MEMORY_ATTRIBUTES2, (void*)p));
        if (result < 0)
        {
            Errno errno = KvmError.LastErrno;
            throw new GmemException("KVM_SET_MEMORY_ATTRIBUTES2", errno, null,
                errno == Errno.EAGAIN ? (long)request.error_offset : null);
        }
    }

    /// <summary>Closes the fd (the kernel file lives on while it is mapped).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _file.Dispose();
            _vm.Release();
        }
    }
}
