using Gmem.Reference.GuestMemfd;
using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests;

/// <summary>A small Reference host for one test: 64 MiB of frames, 8 × 2 MiB huge pages (1 GiB pages on request).</summary>
internal sealed class ReferenceTestHost : IDisposable
{
    public ReferenceTestHost(AttributeModel model = AttributeModel.PerVm, int hugePages1G = 0)
    {
        Hypervisor = new ReferenceHypervisor(new ReferenceOptions
        {
            MemoryBytes = 64L << 20,
            HugePages2M = 8,
            HugePages1G = hugePages1G,
            UseHostHugePages = false,
            AttributeModel = model,
        });
    }

    public ReferenceHypervisor Hypervisor { get; }

    public IHostProcess Host => Hypervisor.Host;

    public Gmem.Reference.Host.HostProcess Process => Hypervisor.Process;

    public Vm CreateVm(VmType type = VmType.Default) => (Vm)Hypervisor.CreateVm(type);

    public static GuestMemfdFile FileOf(IGuestMemfd gmem) => ((GuestMemfdHandle)gmem).File;

    /// <summary>Binds [offset, +size) of <paramref name="gmem"/> at <paramref name="gfn"/> as the hypervisor half does.</summary>
    public static GmemBinding Bind(Vm vm, IGuestMemfd gmem, ulong gfn, ulong offset, ulong size)
    {
        lock (vm.SlotsLock)
        {
            return FileOf(gmem).Bind(vm, new Gfn(gfn), offset, size);
        }
    }

    public static void Unbind(Vm vm, GmemBinding binding)
    {
        lock (vm.SlotsLock)
        {
            GuestMemfdFile.Unbind(binding);
        }
    }

    public void Dispose() => Hypervisor.Dispose();
}
