namespace Gmem.Vmm.Conformance;

/// <summary>Thrown by a case that this platform cannot run; the reason is reported, never dropped.</summary>
public sealed class ConformanceSkipException : Exception
{
    /// <summary>Creates the skip with its reason.</summary>
    public ConformanceSkipException(string reason)
        : base(reason)
    {
    }

    /// <summary>Creates an empty skip.</summary>
    public ConformanceSkipException()
    {
    }

    /// <summary>Creates the skip with its reason and cause.</summary>
    public ConformanceSkipException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}
