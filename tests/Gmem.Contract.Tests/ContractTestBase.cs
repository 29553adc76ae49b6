namespace Gmem.Contract.Tests;

/// <summary>
/// The common half of every contract suite: one platform per concrete subclass, written only against the Gmem
/// interfaces. Every test calls <see cref="Begin"/> first, which skips (with the platform's reason) where the
/// platform cannot run here, and tracks what the test creates so it is disposed in reverse order.
/// </summary>
public abstract class ContractTestBase : IDisposable
{
    /// <summary>The base page size.</summary>
    protected const int Pg = Page.Size;

    /// <summary>2 MiB.</summary>
    protected const long Mb2 = Page.Size2M;

    private readonly Stack<IDisposable> _owned = new();
    private IHypervisor? _hypervisor;

    /// <summary>Creates the platform under test.</summary>
    protected abstract IHypervisor CreateHypervisor();

    /// <summary>Why the platform cannot run on this machine (null: it can).</summary>
    protected virtual string? SkipReason => null;

    /// <summary>The platform, opened by <see cref="Begin"/>.</summary>
    protected IHypervisor Hypervisor => _hypervisor ?? throw new InvalidOperationException("Call Begin() first.");

    /// <summary>The host process of the platform.</summary>
    protected IHostProcess Host => Hypervisor.Host;

    /// <summary>Skips when the platform is unusable; opens it otherwise. Every test calls this first.</summary>
    protected IHypervisor Begin()
    {
        Skip.If(SkipReason is not null, SkipReason);
        return _hypervisor ??= Own(CreateHypervisor());
    }

    /// <summary>Disposes <paramref name="value"/> at the end of the test (last owned, first disposed).</summary>
    protected T Own<T>(T value)
        where T : IDisposable
    {
        _owned.Push(value);
        return value;
    }

    /// <summary>A new VM of <paramref name="type"/>, disposed after the test.</summary>
    protected IVirtualMachine NewVm(VmType type = VmType.Default) => Own(Begin().CreateVm(type));

    /// <summary>Whether the VM accepts every flag in <paramref name="flags"/> (KVM_CAP_GUEST_MEMFD_FLAGS).</summary>
    protected static bool Supports(IVirtualMachine vm, GuestMemfdFlags flags) =>
        ((ulong)vm.CheckExtension(Capability.GuestMemfdFlags) & (ulong)flags) == (ulong)flags;

    /// <summary>Skips unless the VM supports guest memory files and <paramref name="flags"/>.</summary>
    protected static void RequireFlags(IVirtualMachine vm, GuestMemfdFlags flags)
    {
        Skip.If(vm.CheckExtension(Capability.GuestMemfd) == 0, "KVM_CAP_GUEST_MEMFD is 0: no guest_memfd on this VM type.");
        Skip.IfNot(Supports(vm, flags), $"KVM_CAP_GUEST_MEMFD_FLAGS = 0x{vm.CheckExtension(Capability.GuestMemfdFlags):x} lacks {flags}.");
    }

    /// <summary>Asserts that <paramref name="action"/> throws <see cref="GmemException"/> with <paramref name="errno"/>.</summary>
    protected static GmemException AssertErrno(Errno errno, Action action, string because)
    {
        GmemException? caught = null;
        try
        {
            action();
        }
        catch (GmemException e)
        {
            caught = e;
        }
        Assert.True(caught is not null, $"{because}: expected {errno}, but the call succeeded.");
        Assert.True(caught!.Errno == errno, $"{because}: expected {errno}, got {caught.Errno} ({caught.Message}).");
        return caught;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        while (_owned.Count > 0)
        {
            _owned.Pop().Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
