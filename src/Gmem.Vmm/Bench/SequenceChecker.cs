namespace Gmem.Vmm.Bench;

/// <summary>An I/O handler that expects OUTs of 0, 1, 2, … on <see cref="QuickBench.Port"/> and stops at anything else.</summary>
public sealed class SequenceChecker
{
    private uint _next;

    /// <summary>The value the next OUT must carry.</summary>
    public uint Next => _next;

    /// <summary>Checks one exit; false stops the run.</summary>
    public bool OnIo(VcpuExit.Io io)
    {
        ArgumentNullException.ThrowIfNull(io);
        return io.Port == QuickBench.Port && io.Direction == IoDirection.Out && io.Size == 4 && io.Value == _next++;
    }
}
