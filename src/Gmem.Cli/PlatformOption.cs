using System.CommandLine;
using Gmem.Vmm.Scenarios;

namespace Gmem.Cli;

/// <summary>The <c>--platform</c> option shared by the commands that run guests.</summary>
internal static class PlatformOption
{
    public static Option<string?> Create(string description) => new Option<string?>("--platform")
    {
        Description = description,
    }.AcceptOnlyFromAmong("kvm", "reference", "default");

    /// <summary>The scenario's own platform unless the option overrides it.</summary>
    public static ScenarioPlatform Resolve(string? option, ScenarioPlatform fromScenario) => option switch
    {
        "kvm" => ScenarioPlatform.Kvm,
        "reference" => ScenarioPlatform.Reference,
        "default" => ScenarioPlatform.Default,
        _ => fromScenario,
    };
}
