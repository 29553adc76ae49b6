namespace Gmem.Vmm.Conformance;

/// <summary>
/// One scenario of the kernel contract (spec §4): what to do on a platform and what the spec expects to
/// observe. <see cref="Run"/> returns the observation as text ("ok", an errno name, "SIGBUS", a value), so
/// two platforms' results compare as strings.
/// </summary>
/// <param name="Id">The spec's scenario number, with a letter for variants (e.g. "21c").</param>
/// <param name="Section">The spec section ("4.1" …).</param>
/// <param name="Title">What the scenario does.</param>
/// <param name="Expected">What the spec expects (7.2 behaviour).</param>
/// <param name="Run">Runs the scenario and returns the observation.</param>
public sealed record ConformanceCase(string Id, string Section, string Title, string Expected, Func<ConformanceContext, string> Run);
