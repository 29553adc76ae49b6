using Gmem.Kvm;
using Gmem.Reference;

namespace Gmem.Vmm;

/// <summary>Entry points to the two platforms.</summary>
public static class Hypervisors
{
    /// <summary>Opens the real KVM at <c>/dev/kvm</c>.</summary>
    /// <exception cref="GmemException">ENOENT or EACCES without a usable <c>/dev/kvm</c>.</exception>
    public static IHypervisor OpenKvm() => KvmHypervisor.Open();

    /// <summary>Creates the managed Reference platform.</summary>
    public static IHypervisor CreateReference(ReferenceOptions? options = null) => new ReferenceHypervisor(options);

    /// <summary>Kvm when <c>/dev/kvm</c> can be opened, else Reference.</summary>
    public static IHypervisor OpenDefault()
    {
        try
        {
            return OpenKvm();
        }
        catch (GmemException)
        {
            return CreateReference();
        }
    }
}
