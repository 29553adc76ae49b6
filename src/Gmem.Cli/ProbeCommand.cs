using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gmem.Vmm.Probe;
using Spectre.Console;

namespace Gmem.Cli;

/// <summary><c>gmem probe</c>: what this host's KVM supports, found out by asking the kernel.</summary>
internal static class ProbeCommand
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON instead of tables." };
        var exits = new Option<uint>("--exits")
        {
            Description = "Port-I/O exits of the benchmark guest (0 skips it).",
            DefaultValueFactory = _ => 100_000,
        };
        var device = new Option<string>("--device")
        {
            Description = "The KVM device to probe.",
            DefaultValueFactory = _ => "/dev/kvm",
        };
        var command = new Command("probe", "Show what this host supports: KVM API version, capabilities, VM types, guest_memfd flags, and whether guests run from guest_memfd.")
        {
            json,
            exits,
            device,
        };
        command.SetAction(result => Run(result.GetValue(json), result.GetValue(exits), result.GetValue(device) ?? "/dev/kvm"));
        return command;
    }

    private static int Run(bool json, uint exits, string device)
    {
        HostProbeReport report = HostProbe.Run(device, exits);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, s_json));
            return report.Available ? 0 : 1;
        }
        if (!report.Available)
        {
            Console.Error.WriteLine($"gmem probe: the Kvm platform is unavailable: {report.UnavailableReason}");
            return 1;
        }
        Render(report);
        return report.Guests.All(g => g.ReachedHlt) ? 0 : 2;
    }

    private static void Render(HostProbeReport report)
    {
        // Plain text (no colour codes) when the output goes to a file or a pipe.
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.MarkupLine($"[bold]gmem probe[/]: kvm, kernel {Markup.Escape(report.Kernel ?? "?")}, KVM API version {report.ApiVersion}");

        var capabilities = new Table().Title("Capabilities (KVM_CHECK_EXTENSION)").AddColumns("capability", "number", "system", "default VM");
        foreach (CapabilityProbe c in report.Capabilities)
        {
            capabilities.AddRow(c.Name, c.Number.ToString(CultureInfo.InvariantCulture), Value(c.SystemValue, c.Error), Value(c.VmValue, c.Error));
        }
        console.Write(capabilities);

        var types = new Table().Title("VM types (KVM_CREATE_VM)").AddColumns("type", "name", "created", "in KVM_CAP_VM_TYPES");
        foreach (VmTypeProbe t in report.VmTypes)
        {
            types.AddRow(t.Number.ToString(CultureInfo.InvariantCulture), t.Name,
                t.Accepted ? "[green]yes[/]" : $"no ({t.Errno})", t.InCapability ? "yes" : "no");
        }
        console.Write(types);

        string match = report.GuestMemfdFlagsMatchCapability ? "[green]matches[/]" : "[red]differs from[/]";
        console.MarkupLine($"guest_memfd flags accepted (bits 0–63 tried one by one on a default VM): [bold]0x{report.AcceptedGuestMemfdFlags:x}[/] "
            + $"({Markup.Escape(FlagNames(report.AcceptedGuestMemfdFlags))}); {match} KVM_CAP_GUEST_MEMFD_FLAGS = {Value(report.GuestMemfdFlagsCapability, null)}");

        var guests = new Table().Title("Guests from guest_memfd (MMAP|INIT_SHARED, gmem-only memslots)").AddColumns("guest", "HLT", "outcome", "I/O exits", "time", "exits/s");
        foreach (GuestRunProbe g in report.Guests)
        {
            guests.AddRow(Markup.Escape(g.Name), g.ReachedHlt ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(g.Outcome),
                g.IoExits.ToString("N0", CultureInfo.InvariantCulture), $"{g.Seconds * 1000:F1} ms", g.ExitsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }
        console.Write(guests);
    }

    private static string Value(long? value, string? error) =>
        value is long v ? v.ToString(CultureInfo.InvariantCulture) : $"[red]{Markup.Escape(error ?? "error")}[/]";

    private static string FlagNames(ulong flags)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((flags & (1UL << bit)) != 0)
            {
                var flag = (GuestMemfdFlags)(1UL << bit);
                names.Add(Enum.IsDefined(flag) ? flag.ToString() : $"bit {bit}");
            }
        }
        return names.Count == 0 ? "none" : string.Join("|", names);
    }
}
