namespace Gmem.Vmm.Probe;

/// <summary>Whether <c>KVM_CREATE_VM</c> accepts one VM type.</summary>
/// <param name="Number">The type number.</param>
/// <param name="Name">The <see cref="VmType"/> name.</param>
/// <param name="Accepted">Whether a VM of this type was created.</param>
/// <param name="Errno">The errno when it was refused, else null.</param>
/// <param name="InCapability">Whether the type's bit is set in KVM_CAP_VM_TYPES.</param>
public sealed record VmTypeProbe(ulong Number, string Name, bool Accepted, string? Errno, bool InCapability);
