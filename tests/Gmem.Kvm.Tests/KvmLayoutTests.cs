using Xunit.Abstractions;

namespace Gmem.Kvm.Tests;

/// <summary>
/// Sizes, field offsets, ioctl numbers and constants of the raw layer against the C headers (compiled with gcc at
/// test time). Where the installed <c>&lt;linux/kvm.h&gt;</c> predates a symbol, the value is checked against spec §0
/// instead, and the test says so.
/// </summary>
public class KvmLayoutTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (KvmLayout.Entry e in KvmLayout.Entries)
        {
            data.Add(e.Name);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Names))]
    public void Layout_MatchesHeaderOrSpec(string name)
    {
        Skip.If(HeaderProbe.SkipReason is not null, HeaderProbe.SkipReason);
        KvmLayout.Entry entry = KvmLayout.Entries.Single(e => e.Name == name);
        if (HeaderProbe.Values.TryGetValue(name, out long header))
        {
            Assert.True(header == entry.Actual, $"{name}: C# uses {entry.Actual} (0x{entry.Actual:x}), the header says {header} (0x{header:x}).");
            if (entry.Spec is long spec)
            {
                Assert.True(header == spec, $"{name}: the header says {header}, spec §0 says {spec}.");
            }
        }
        else
        {
            Assert.True(entry.Spec is not null, $"{name}: the installed header lacks it (guard {entry.Guard}) and no spec value is recorded.");
            Assert.True(entry.Spec == entry.Actual,
                $"{name} (from {entry.Since}, not in the installed header): C# uses 0x{entry.Actual:x}, spec §0 says 0x{entry.Spec:x}.");
        }
    }

    [SkippableFact]
    public void Header_SymbolsItLacks_AreExactlyTheOnesWithSpecValues()
    {
        Skip.If(HeaderProbe.SkipReason is not null, HeaderProbe.SkipReason);
        string[] missing = KvmLayout.Entries.Where(e => !HeaderProbe.Values.ContainsKey(e.Name)).Select(e => e.Name).ToArray();
        string[] unguarded = missing.Where(n => KvmLayout.Entries.Single(e => e.Name == n).Guard is null).ToArray();
        Assert.True(unguarded.Length == 0, "entries without a guard must always be printed: " + string.Join(", ", unguarded));
        Assert.All(missing, n => Assert.NotNull(KvmLayout.Entries.Single(e => e.Name == n).Spec));
        foreach (string n in missing)
        {
            output.WriteLine($"not in the installed header, checked against spec §0: {n} (since {KvmLayout.Entries.Single(e => e.Name == n).Since})");
        }
    }
}
