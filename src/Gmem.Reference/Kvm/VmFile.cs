using Gmem.Reference.Host;

namespace Gmem.Reference.Kvm;

/// <summary>
/// The VM's descriptor (an anon_inode "kvm-vm" file): holds one user reference on the <see cref="Vm"/>,
/// dropped when the last descriptor of it is closed. Not a guest memory file, so binding it as one is EINVAL.
/// </summary>
internal sealed class VmFile(Vm vm) : HostFile
{
    private static long s_nextInode = 0x200000;
    private readonly ulong _inode = (ulong)Interlocked.Increment(ref s_nextInode);

    /// <summary>The VM.</summary>
    public Vm Vm { get; } = vm;

    /// <inheritdoc/>
    public override int StatusFlags => FileDescriptorState.ReadWrite;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin whence) => 0;

    /// <inheritdoc/>
    public override FileStatus Stat() => new(0, Page.Size, 0, 0x180, _inode);

    /// <inheritdoc/>
    protected override void Release() => Vm.Put();
}
