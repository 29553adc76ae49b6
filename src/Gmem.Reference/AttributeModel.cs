namespace Gmem.Reference;

/// <summary>Where the private/shared attribute of a guest page is kept.</summary>
public enum AttributeModel
{
    /// <summary>Per VM, keyed by guest frame (upstream <c>KVM_SET_MEMORY_ATTRIBUTES</c>).</summary>
    PerVm,
    /// <summary>Per guest memory file, keyed by page index (the in-flight in-place conversion series).</summary>
    PerFile,
}
