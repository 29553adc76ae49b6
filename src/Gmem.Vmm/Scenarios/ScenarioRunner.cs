// Runs a parsed Scenario: builds the MicroVm it asks for, does the host writes, runs the guest program to
// its halt, and checks the expectations. Counters are read from the Gmem meter with a MeterListener for the
// duration of the run, so the report shows what the platform itself counted (splits, merges, pins …).
using System.Diagnostics.Metrics;
using Gmem.Diagnostics;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Scenarios;

/// <summary>Runs scenarios on a platform.</summary>
public static class ScenarioRunner
{
    /// <summary>Compiles the scenario's guest program to a <see cref="GuestProgram"/>.</summary>
    public static GuestProgram BuildProgram(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        // Loops become Repeat ops: nest the flat steps into a tree, then replay it into the builder.
        var root = new GuestProgram();
        Emit(root, Nest(scenario.Program, 0, out _));
        return root;
    }

    /// <summary>Runs <paramref name="scenario"/> on <paramref name="hypervisor"/> (the caller's), or on the platform it names when null.</summary>
    /// <exception cref="GmemException">The platform refused to build or run the VM.</exception>
    public static ScenarioResult Run(Scenario scenario, IHypervisor? hypervisor = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        IHypervisor? owned = hypervisor is null ? Open(scenario.Platform) : null;
        try
        {
            var builder = VmBuilder.Create(hypervisor ?? owned).WithMemory(scenario.MemoryBytes, scenario.HugePageBytes).WithProgram(BuildProgram(scenario));
            builder = scenario.Mode == ConfidentialityMode.Shared ? builder.AllShared() : builder.Confidential();
            foreach (SharedWindow window in scenario.SharedWindows)
            {
                builder.WithSharedWindow(window.Address, window.Length);
            }
            using var counters = new CounterCapture();
            using MicroVm vm = builder.Build();
            foreach (ScenarioDirective write in scenario.Directives.Where(d => d.Verb == "host-write"))
            {
                vm.WriteShared(new Gpa(write.Operands[0]), Enumerable.Repeat((byte)write.Operands[2], checked((int)write.Operands[1])).ToArray());
            }
            GuestRunResult run = vm.Run(timeout: timeout ?? TimeSpan.FromMinutes(2));
            var checks = scenario.Directives.Where(d => d.Verb.StartsWith("expect", StringComparison.Ordinal))
                .Select(d => Check(d, vm, run)).ToList();
            // A verify mismatch or a refused conversion is a failure even where no expectation names it.
            var failures = run.Reports.Where(r => r.Kind != GuestReportKind.Value).ToList();
            checks.Insert(0, new ScenarioCheck(0, "no verify mismatch, no refused conversion", failures.Count == 0,
                failures.Count == 0 ? "none" : string.Join(", ", failures.Select(f => $"{f.Kind} 0x{f.Value:x}"))));
            return new ScenarioResult(scenario, vm.Platform, run, counters.Snapshot(), checks, vm.Guarantees, vm.Map());
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static IHypervisor Open(ScenarioPlatform platform) => platform switch
    {
        ScenarioPlatform.Kvm => Hypervisors.OpenKvm(),
        ScenarioPlatform.Reference => Hypervisors.CreateReference(),
        _ => Hypervisors.OpenDefault(),
    };

    private static ScenarioCheck Check(ScenarioDirective expect, MicroVm vm, GuestRunResult run)
    {
        switch (expect.Verb)
        {
            case "expect-report":
                int index = checked((int)expect.Operands[0]);
                long[] values = [.. run.Values];
                bool ok = index < values.Length && (ulong)values[index] == expect.Operands[1];
                string seen = index < values.Length ? $"0x{values[index]:x}" : $"only {values.Length} report(s)";
                return new ScenarioCheck(expect.Line, $"report {index} = 0x{expect.Operands[1]:x}", ok, seen);
            case "expect-shared":
                var range = new GpaRange(new Gpa(expect.Operands[0]), expect.Operands[1]);
                var bytes = new byte[checked((int)range.Length)];
                try
                {
                    vm.ReadShared(range.Start, bytes);
                }
                catch (GmemException e)
                {
                    return new ScenarioCheck(expect.Line, $"host reads 0x{expect.Operands[2]:x2} in {range}", false, e.Message);
                }
                int bad = Array.FindIndex(bytes, b => b != expect.Operands[2]);
                return new ScenarioCheck(expect.Line, $"host reads 0x{expect.Operands[2]:x2} in {range}", bad < 0,
                    bad < 0 ? "all bytes match" : $"byte at {range.Start + (ulong)bad} is 0x{bytes[bad]:x2}");
            default:
                var visible = vm.HostVisiblePrivateRanges();
                return new ScenarioCheck(expect.Line, "the host never saw private memory", visible.Count == 0,
                    visible.Count == 0 ? "no host mapping reaches a private page" : $"host mappings reach private {string.Join(", ", visible)}");
        }
    }

    private sealed record Node(ScenarioStep Step, IReadOnlyList<Node> Body);

    private static List<Node> Nest(IReadOnlyList<ScenarioStep> steps, int start, out int next)
    {
        var nodes = new List<Node>();
        int i = start;
        while (i < steps.Count && steps[i].Op != "end")
        {
            ScenarioStep step = steps[i];
            if (step.Op == "loop")
            {
                List<Node> body = Nest(steps, i + 1, out int after);
                nodes.Add(new Node(step, body));
                i = after + 1;   // past the "end"
            }
            else
            {
                nodes.Add(new Node(step, []));
                i++;
            }
        }
        next = i;
        return nodes;
    }

    private static void Emit(GuestProgram program, IReadOnlyList<Node> nodes)
    {
        foreach (Node node in nodes)
        {
            IReadOnlyList<ulong> o = node.Step.Operands;
            _ = node.Step.Op switch
            {
                "fill" => program.Fill(new Gpa(o[0]), o[1], (byte)o[2]),
                "verify" => program.Verify(new Gpa(o[0]), o[1], (byte)o[2]),
                "touch" => program.Touch(new Gpa(o[0]), o[1]),
                "share" => program.Share(new Gpa(o[0]), o[1]),
                "unshare" => program.Unshare(new Gpa(o[0]), o[1]),
                "report" => program.Report(checked((uint)o[0])),
                "loop" => program.Repeat(o[0], inner => Emit(inner, node.Body)),
                "halt" => program.Halt(),
                _ => throw new InvalidOperationException($"Unknown step '{node.Step.Op}' on line {node.Step.Line}."),
            };
        }
    }

    /// <summary>Sums every Gmem counter's measurements while it lives.</summary>
    private sealed class CounterCapture : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _totals = [];

        public CounterCapture()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GmemMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_totals)
                {
                    _totals[instrument.Name] = _totals.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.Start();
        }

        public Dictionary<string, long> Snapshot()
        {
            lock (_totals)
            {
                return new Dictionary<string, long>(_totals);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
