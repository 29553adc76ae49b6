namespace Gmem.Vmm.Scenarios;

/// <summary>One expectation of a scenario and whether it held.</summary>
/// <param name="Line">The line of the <c>expect</c> statement.</param>
/// <param name="Description">What was expected, in words.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">What was observed.</param>
public sealed record ScenarioCheck(int Line, string Description, bool Passed, string Detail);
