namespace Gmem;

/// <summary>VM types (the x86 <c>KVM_CREATE_VM</c> argument). Platforms may add types above 0x100.</summary>
public enum VmType : ulong
{
    /// <summary>KVM_X86_DEFAULT_VM: no private memory.</summary>
    Default = 0,
    /// <summary>KVM_X86_SW_PROTECTED_VM: private memory without hardware protection (test/dev).</summary>
    SwProtected = 1,
    /// <summary>KVM_X86_SEV_VM.</summary>
    Sev = 2,
    /// <summary>KVM_X86_SEV_ES_VM.</summary>
    SevEs = 3,
    /// <summary>KVM_X86_SNP_VM.</summary>
    Snp = 4,
    /// <summary>KVM_X86_TDX_VM.</summary>
    Tdx = 5,
}
