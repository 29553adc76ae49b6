namespace Gmem.Vmm.Probe;

/// <summary>What <see cref="HostProbe.Run"/> found out about this host's KVM.</summary>
public sealed record HostProbeReport
{
    /// <summary>The platform probed ("kvm").</summary>
    public string Platform { get; init; } = "kvm";

    /// <summary>Whether <c>/dev/kvm</c> could be opened.</summary>
    public bool Available { get; init; }

    /// <summary>Why the platform is unavailable, when it is.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>The host's kernel release (uname -r).</summary>
    public string? Kernel { get; init; }

    /// <summary><c>KVM_GET_API_VERSION</c>.</summary>
    public int ApiVersion { get; init; }

    /// <summary>Every <see cref="Capability"/>, system and VM scope.</summary>
    public IReadOnlyList<CapabilityProbe> Capabilities { get; init; } = [];

    /// <summary>VM types 0–5, tried one by one.</summary>
    public IReadOnlyList<VmTypeProbe> VmTypes { get; init; } = [];

    /// <summary>The guest_memfd flag bits (0–63, each alone) a default VM accepts.</summary>
    public ulong AcceptedGuestMemfdFlags { get; init; }

    /// <summary>KVM_CAP_GUEST_MEMFD_FLAGS on a default VM (null if the call failed).</summary>
    public long? GuestMemfdFlagsCapability { get; init; }

    /// <summary>Whether the accepted bits are exactly what the capability reports.</summary>
    public bool GuestMemfdFlagsMatchCapability => GuestMemfdFlagsCapability is long cap && (ulong)cap == AcceptedGuestMemfdFlags;

    /// <summary>The guests run (tiny ones and the port-I/O one).</summary>
    public IReadOnlyList<GuestRunProbe> Guests { get; init; } = [];
}
