namespace Gmem.Vmm.Conformance;

/// <summary>
/// Where a released kernel answers differently from the spec's 7.2 behaviour, by case id: the observation
/// that kernel gives. Anything else that differs is a bug in the platform (or the spec), not a known
/// difference. The reasons are in docs/compatibility.md.
/// </summary>
public static class KnownDifferences
{
    /// <summary>Linux up to 7.1 (the machines here run 6.18).</summary>
    public static IReadOnlyDictionary<string, string> LinuxBefore72 { get; } = new Dictionary<string, string>
    {
        // The overlapping-binding errno became EEXIST in 7.2.
        ["42"] = "ok,ok,EINVAL",
        // Offsets were compared as signed 64-bit up to 7.1, so the overflowing offset is accepted.
        ["48"] = "ok",
    };

    /// <summary>The known differences of <paramref name="platform"/> ("kvm" runs a pre-7.2 kernel here; "reference" has none).</summary>
    public static IReadOnlyDictionary<string, string> For(string platform) =>
        platform == "kvm" ? LinuxBefore72 : new Dictionary<string, string>();
}
