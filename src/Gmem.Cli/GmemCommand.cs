using System.CommandLine;

namespace Gmem.Cli;

/// <summary>The root <c>gmem</c> command and its subcommands.</summary>
internal static class GmemCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("gmem: fd-based guest private memory for virtual machines, on Linux KVM and on the managed Reference platform.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(MapCommand.Create());
        root.Subcommands.Add(ConformanceCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
