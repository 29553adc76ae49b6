using FsCheck;
using FsCheck.Fluent;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

/// <summary>Runs a model-based property: random operation sequences, each run from a fresh memory manager.</summary>
internal static class ModelCheck
{
    /// <summary>An operation code: <c>Kind</c> picks the operation, <c>A</c> and <c>B</c> its arguments.</summary>
    public readonly record struct Op(int Kind, int A, int B);

    public static void Run(int kinds, int maxTests, Action<Op[]> run)
    {
        Gen<Op[]> ops = Gen.Choose(0, int.MaxValue).Select(v => new Op(v % kinds, (v / kinds) % 1021, v / kinds / 1021)).ArrayOf();
        Property property = Prop.ForAll(Arb.From(ops), run);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTests).WithEndSize(80), property);
    }

    /// <summary>Asserts the allocated folios are exactly the model's, and the invariants hold.</summary>
    public static void AssertMatches(MemoryManager mm, IEnumerable<(Folio Folio, FrameOwner Owner)> expected, string step)
    {
        IReadOnlyList<string> problems = mm.CheckInvariants();
        Assert.True(problems.Count == 0, $"After {step}: " + string.Join(" | ", problems));
        var actual = mm.Frames.EnumerateAllocated().Select(a => (a.Folio, a.Owner)).OrderBy(f => f.Folio.Head).ToList();
        var wanted = expected.OrderBy(f => f.Folio.Head).ToList();
        Assert.True(wanted.SequenceEqual(actual), $"After {step}: allocated folios [{string.Join(", ", actual)}], model [{string.Join(", ", wanted)}].");
        var frames = new HashSet<ulong>();
        foreach ((Folio folio, _) in actual)
        {
            for (ulong i = 0; i < folio.Frames; i++)
            {
                Assert.True(frames.Add(folio.Head.Value + i), $"After {step}: frame {folio.Head + i} is in two folios.");
            }
        }
    }
}
