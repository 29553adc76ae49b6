namespace Gmem.Vmm.Scenarios;

/// <summary>Which platform a scenario asks for.</summary>
public enum ScenarioPlatform
{
    /// <summary>Kvm when /dev/kvm is usable, else Reference.</summary>
    Default,
    /// <summary>The real Linux KVM.</summary>
    Kvm,
    /// <summary>The managed Reference platform.</summary>
    Reference,
}

/// <summary>Whether guest memory starts private (with explicit shared windows) or all shared.</summary>
public enum ConfidentialityMode
{
    /// <summary>All guest memory private, except the declared shared windows.</summary>
    Private,
    /// <summary>All guest memory shared (no confidentiality).</summary>
    Shared,
}

/// <summary>One step of a scenario's guest program (see docs/scenarios.md for the list).</summary>
/// <param name="Op">The operation name: fill, verify, touch, share, unshare, report, loop, end, halt.</param>
/// <param name="Operands">The numeric operands, in order.</param>
/// <param name="Line">1-based line of the step in the file.</param>
public sealed record ScenarioStep(string Op, IReadOnlyList<ulong> Operands, int Line);

/// <summary>A host action or check outside the guest program.</summary>
/// <param name="Verb">host-write, expect-report, expect-shared, expect-private-unseen.</param>
/// <param name="Operands">The numeric operands, in order.</param>
/// <param name="Line">1-based line in the file.</param>
public sealed record ScenarioDirective(string Verb, IReadOnlyList<ulong> Operands, int Line);

/// <summary>A shared window in a private VM: [Address, Address + Length).</summary>
/// <param name="Address">First guest physical address (page aligned).</param>
/// <param name="Length">Bytes (a multiple of the page size).</param>
public sealed record SharedWindow(Gpa Address, ulong Length);

/// <summary>A parsed scenario file: the VM it asks for, host actions, the guest program and the expectations.</summary>
public sealed record Scenario
{
    /// <summary>Name (the file name without extension, or the <c>name</c> line).</summary>
    public required string Name { get; init; }

    /// <summary>One-line description (<c>describe</c>).</summary>
    public string Description { get; init; } = "";

    /// <summary>The platform asked for.</summary>
    public ScenarioPlatform Platform { get; init; } = ScenarioPlatform.Default;

    /// <summary>Bytes of guest memory (guest_memfd-backed), starting at guest physical address 0.</summary>
    public ulong MemoryBytes { get; init; } = 4UL << 20;

    /// <summary>Confidentiality mode.</summary>
    public ConfidentialityMode Mode { get; init; } = ConfidentialityMode.Private;

    /// <summary>Huge page size requested for the backing (0 = base pages).</summary>
    public ulong HugePageBytes { get; init; }

    /// <summary>Declared shared windows (private mode).</summary>
    public IReadOnlyList<SharedWindow> SharedWindows { get; init; } = [];

    /// <summary>Host actions before the guest runs, and checks after it halts.</summary>
    public IReadOnlyList<ScenarioDirective> Directives { get; init; } = [];

    /// <summary>The guest program.</summary>
    public IReadOnlyList<ScenarioStep> Program { get; init; } = [];
}
