// The VMM side of X86ConversionCall.PortIo: four dword OUTs (gpa low, gpa high, pages, attributes) make
// one MAP_GPA_RANGE request, handed to the caller as the same VcpuExit.Hypercall a VMCALL produces; the
// guest's following dword IN reads the request's Ret. Not thread-safe: one decoder per vCPU exit loop.
namespace Gmem.Vmm.Programs;

/// <summary>Turns the port-I/O conversion sequence of an x86-64 guest program into Hypercall requests.</summary>
public sealed class X86ConversionDecoder
{
    private readonly ulong[] _args = new ulong[6];
    private VcpuExit.Hypercall? _last;

    /// <summary>
    /// Consumes <paramref name="exit"/> if it is part of the sequence. When it completes a request,
    /// <paramref name="request"/> is the Hypercall to handle (set its <see cref="VcpuExit.Hypercall.Ret"/>
    /// before running the vCPU again); otherwise null.
    /// </summary>
    /// <returns>Whether the exit belonged to the sequence.</returns>
    public bool TryAccept(VcpuExit exit, out VcpuExit.Hypercall? request)
    {
        ArgumentNullException.ThrowIfNull(exit);
        request = null;
        if (exit is not VcpuExit.Io { Size: 4 } io || io.Port < X86ProgramBackend.ConversionPort || io.Port > X86ProgramBackend.ConversionPort + 16)
        {
            return false;
        }
        switch (io.Port - X86ProgramBackend.ConversionPort, io.Direction)
        {
            case (0, IoDirection.Out):
                _args[0] = (_args[0] & ~0xFFFF_FFFFUL) | io.Value;
                return true;
            case (4, IoDirection.Out):
                _args[0] = (_args[0] & 0xFFFF_FFFFUL) | ((ulong)io.Value << 32);
                return true;
            case (8, IoDirection.Out):
                _args[1] = io.Value;
                return true;
            case (12, IoDirection.Out):
                _args[2] = io.Value;
                _last = new VcpuExit.Hypercall(VcpuExit.Hypercall.MapGpaRange, (ulong[])_args.Clone(), Flags: 1);
                request = _last;
                return true;
            case (16, IoDirection.In):
                io.Value = _last is null ? unchecked((uint)-1000) : unchecked((uint)_last.Ret);
                return true;
            default:
                return false;
        }
    }
}
