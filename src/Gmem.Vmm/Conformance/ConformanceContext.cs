namespace Gmem.Vmm.Conformance;

/// <summary>
/// What a case runs against: a platform, and disposables it created (VMs, files, mappings) that are
/// released after the case, last first.
/// </summary>
public sealed class ConformanceContext : IDisposable
{
    private readonly Stack<IDisposable> _owned = new();

    /// <summary>Creates a context on <paramref name="hypervisor"/> (the caller's).</summary>
    public ConformanceContext(IHypervisor hypervisor) => Hypervisor = hypervisor;

    /// <summary>The platform.</summary>
    public IHypervisor Hypervisor { get; }

    /// <summary>The host process.</summary>
    public IHostProcess Host => Hypervisor.Host;

    /// <summary>Keeps <paramref name="item"/> until the case ends.</summary>
    public T Own<T>(T item) where T : IDisposable
    {
        _owned.Push(item);
        return item;
    }

    /// <summary>A new VM of <paramref name="type"/>, released after the case.</summary>
    public IVirtualMachine Vm(VmType type = VmType.Default) => Own(Hypervisor.CreateVm(type));

    /// <summary>A new guest memory file on <paramref name="vm"/>, released after the case.</summary>
    public IGuestMemfd Gmem(IVirtualMachine vm, long size, GuestMemfdFlags flags = GuestMemfdFlags.None) => Own(vm.CreateGuestMemfd(size, flags));

    /// <summary>Skips the case unless the default VM accepts <paramref name="flags"/>.</summary>
    public static void RequireFlags(IVirtualMachine vm, GuestMemfdFlags flags)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (((ulong)vm.CheckExtension(Capability.GuestMemfdFlags) & (ulong)flags) != (ulong)flags)
        {
            throw new ConformanceSkipException($"this VM does not accept guest_memfd flags {flags}");
        }
    }

    /// <summary>Releases everything the case created.</summary>
    public void Dispose()
    {
        while (_owned.TryPop(out IDisposable? item))
        {
            item.Dispose();
        }
    }
}
