namespace Gmem.Vmm.Probe;

/// <summary>One capability as <c>KVM_CHECK_EXTENSION</c> answers it at system and at VM scope (default VM).</summary>
/// <param name="Name">The <see cref="Capability"/> name.</param>
/// <param name="Number">The KVM_CAP_* number.</param>
/// <param name="SystemValue">The value on <c>/dev/kvm</c>, or null when the call failed.</param>
/// <param name="VmValue">The value on a default VM, or null when the call failed.</param>
/// <param name="Error">The errno of a failed call, or null.</param>
public sealed record CapabilityProbe(string Name, uint Number, long? SystemValue, long? VmValue, string? Error);
