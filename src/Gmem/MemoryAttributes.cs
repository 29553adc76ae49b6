namespace Gmem;

/// <summary>Memory attributes (<c>KVM_MEMORY_ATTRIBUTE_*</c>); bits 0–2 are reserved for RWX.</summary>
[Flags]
public enum MemoryAttributes : ulong
{
    /// <summary>Shared: the host may map, read and write the page.</summary>
    None = 0,
    /// <summary>KVM_MEMORY_ATTRIBUTE_PRIVATE: only the guest reaches the page.</summary>
    Private = 1UL << 3,
}
