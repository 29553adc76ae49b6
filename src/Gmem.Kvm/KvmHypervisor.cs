namespace Gmem.Kvm;

/// <summary>The real Linux KVM (<c>/dev/kvm</c>).</summary>
public sealed class KvmHypervisor
{
    private KvmHypervisor()
    {
    }

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="GmemException">ENOENT or EACCES when the device cannot be opened.</exception>
    public static IHypervisor Open(string path = "/dev/kvm") =>
        throw new GmemException("open", Errno.ENOENT, $"The Kvm platform is not built yet ({path}).");
}
