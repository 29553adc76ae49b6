using Xunit;
using Xunit.Sdk;

namespace Gmem.TestSupport;

/// <summary>
/// A fact that needs the real <c>/dev/kvm</c>: skipped, with the reason printed, where it cannot be opened.
/// Inside, <c>Skip.If</c> / <c>Skip.IfNot</c> skip scenarios this kernel cannot run.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("Xunit.Sdk.SkippableFactDiscoverer", "Xunit.SkippableFact")]
public sealed class KvmFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when /dev/kvm is unusable.</summary>
    public KvmFactAttribute()
    {
        if (KvmAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs the real <c>/dev/kvm</c> (see <see cref="KvmFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("Xunit.Sdk.SkippableTheoryDiscoverer", "Xunit.SkippableFact")]
public sealed class KvmTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when /dev/kvm is unusable.</summary>
    public KvmTheoryAttribute()
    {
        if (KvmAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
