using System.Runtime.InteropServices;

namespace Gmem.Vmm.Bench;

/// <summary>A VM of the C baseline (<c>struct kb_vm *</c>); releasing it closes the VM, its vCPU and its memory.</summary>
internal sealed class KbVmHandle : SafeHandle
{
    public KbVmHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeBaseline.kb_io_close(handle);
        return true;
    }
}
