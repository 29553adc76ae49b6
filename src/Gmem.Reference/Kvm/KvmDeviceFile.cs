using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>
/// The open <c>/dev/kvm</c> character device: no read/write, no mmap; KVM_CREATE_GUEST_MEMFD on it is an
/// unknown system ioctl: EINVAL, like every unknown ioctl of kvm_dev_ioctl.
/// </summary>
internal sealed class KvmDeviceFile : HostFile
{
    /// <summary>KVM_CREATE_GUEST_MEMFD.</summary>
    public const uint CreateGuestMemfdIoctl = 0xC040AED4;

    /// <inheritdoc/>
    public override int StatusFlags => FileDescriptorState.ReadWrite | FileDescriptorState.LargeFile;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin whence) => 0;

    /// <inheritdoc/>
    public override FileStatus Stat() => new(0, Page.Size, 0, 0x2000 | 0x180, 0x400);

    /// <inheritdoc/>
    public override int Ioctl(uint request) =>
        throw new GmemException("ioctl", Errno.EINVAL, $"Unknown KVM system ioctl 0x{request:x}.");

    /// <inheritdoc/>
    public override HostFile Reopen() => new KvmDeviceFile();

    /// <inheritdoc/>
    protected override void Release()
    {
    }
}
