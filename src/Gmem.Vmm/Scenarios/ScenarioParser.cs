using System.Globalization;

namespace Gmem.Vmm.Scenarios;

/// <summary>
/// Reads the scenario text format (docs/scenarios.md): one statement per line, <c>#</c> starts a comment,
/// numbers are decimal or <c>0x</c> hex with an optional K/M/G suffix. Header statements come first; the
/// line <c>guest</c> starts the guest program; <c>expect</c> lines may appear anywhere. Every error names
/// the line and column.
/// </summary>
public static class ScenarioParser
{
    // Guest operations and the number of operands each takes.
    private static readonly Dictionary<string, int> s_guestOps = new(StringComparer.Ordinal)
    {
        ["fill"] = 3, ["verify"] = 3, ["touch"] = 2, ["share"] = 2, ["unshare"] = 2,
        ["report"] = 1, ["loop"] = 1, ["end"] = 0, ["halt"] = 0,
    };

    /// <summary>Reads the scenario file at <paramref name="path"/>.</summary>
    /// <exception cref="ScenarioSyntaxException">The file is malformed.</exception>
    public static Scenario ParseFile(string path) =>
        Parse(File.ReadAllText(path), Path.GetFileName(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Reads scenario <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ScenarioSyntaxException">The text is malformed.</exception>
    public static Scenario Parse(string text, string source = "<text>", string defaultName = "scenario")
    {
        ArgumentNullException.ThrowIfNull(text);
        var scenario = new Scenario { Name = defaultName };
        var windows = new List<SharedWindow>();
        var directives = new List<ScenarioDirective>();
        var program = new List<ScenarioStep>();
        bool inGuest = false;
        int openLoops = 0, lastLoopLine = 0;
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = new Line(source, i + 1, lines[i]);
            if (line.Words.Count == 0)
            {
                continue;
            }
            Word verb = line.Words[0];
            switch (verb.Text)
            {
                case "guest":
                    line.Expect(1);
                    if (inGuest)
                    {
                        throw line.Error(verb, "'guest' appears twice.");
                    }
                    inGuest = true;
                    break;
                case "expect":
                    directives.Add(ParseExpect(line));
                    break;
                case var op when inGuest:
                    if (!s_guestOps.TryGetValue(op, out int arity))
                    {
                        throw line.Error(verb, $"Unknown guest operation '{op}' (expected one of: {string.Join(", ", s_guestOps.Keys)}).");
                    }
                    line.Expect(1 + arity);
                    var operands = line.Numbers(1);
                    CheckGuestStep(line, op, operands);
                    if (op == "loop")
                    {
                        openLoops++;
                        lastLoopLine = line.LineNumber;
                    }
                    else if (op == "end" && --openLoops < 0)
                    {
                        throw line.Error(verb, "'end' without a 'loop'.");
                    }
                    program.Add(new ScenarioStep(op, operands, line.LineNumber));
                    break;
                default:
                    scenario = ParseHeader(line, scenario, windows, directives);
                    break;
            }
        }
        if (openLoops > 0)
        {
            throw new ScenarioSyntaxException(source, lastLoopLine, 1, "'loop' is never closed with 'end'.");
        }
        if (program.Count == 0 || program[^1].Op != "halt")
        {
            int at = program.Count == 0 ? lines.Length : program[^1].Line;
            throw new ScenarioSyntaxException(source, Math.Max(at, 1), 1, "The guest program must end with 'halt'.");
        }
        return scenario with { SharedWindows = windows, Directives = directives, Program = program };
    }

    private static Scenario ParseHeader(Line line, Scenario scenario, List<SharedWindow> windows, List<ScenarioDirective> directives)
    {
        Word verb = line.Words[0];
        switch (verb.Text)
        {
            case "name":
                line.Expect(2);
                return scenario with { Name = line.Words[1].Text };
            case "describe":
                return scenario with { Description = line.Rest(1) };
            case "platform":
                line.Expect(2);
                return scenario with { Platform = line.Enum<ScenarioPlatform>(1) };
            case "mode":
                line.Expect(2);
                return scenario with { Mode = line.Enum<ConfidentialityMode>(1) };
            case "memory":
                line.Expect(2);
                ulong bytes = line.Number(1);
                if (bytes == 0 || !Page.IsAligned(bytes))
                {
                    throw line.Error(line.Words[1], "Guest memory must be a positive multiple of 4K.");
                }
                return scenario with { MemoryBytes = bytes };
            case "huge":
                line.Expect(2);
                ulong huge = line.Words[1].Text == "none" ? 0 : line.Number(1);
                if (huge is not (0 or (ulong)Page.Size2M or (ulong)Page.Size1G))
                {
                    throw line.Error(line.Words[1], "Huge pages are 'none', '2M' or '1G'.");
                }
                return scenario with { HugePageBytes = huge };
            case "shared":
                line.Expect(3);
                var (address, length) = (line.Number(1), line.Number(2));
                if (!Page.IsAligned(address) || !Page.IsAligned(length) || length == 0)
                {
                    throw line.Error(line.Words[1], "A shared window is a page-aligned address and a positive multiple of 4K.");
                }
                windows.Add(new SharedWindow(new Gpa(address), length));
                return scenario;
            case "host-write":
                line.Expect(4);
                var operands = line.Numbers(1);
                CheckByte(line, 3, operands[2]);
                directives.Add(new ScenarioDirective("host-write", operands, line.LineNumber));
                return scenario;
            default:
                throw line.Error(verb, $"Unknown statement '{verb.Text}' (header statements: name, describe, platform, memory, mode, huge, shared, host-write, expect; 'guest' starts the program).");
        }
    }

    private static ScenarioDirective ParseExpect(Line line)
    {
        if (line.Words.Count < 2)
        {
            throw line.Error(line.Words[0], "'expect' needs what to expect: report, shared or private-unseen.");
        }
        switch (line.Words[1].Text)
        {
            case "report":
                line.Expect(4);
                return new ScenarioDirective("expect-report", line.Numbers(2), line.LineNumber);
            case "shared":
                line.Expect(5);
                var operands = line.Numbers(2);
                CheckByte(line, 4, operands[2]);
                return new ScenarioDirective("expect-shared", operands, line.LineNumber);
            case "private-unseen":
                line.Expect(2);
                return new ScenarioDirective("expect-private-unseen", [], line.LineNumber);
            default:
                throw line.Error(line.Words[1], $"Unknown expectation '{line.Words[1].Text}' (expected report, shared or private-unseen).");
        }
    }

    private static void CheckGuestStep(Line line, string op, ulong[] operands)
    {
        if (op is "fill" or "verify")
        {
            CheckByte(line, 3, operands[2]);
        }
        if (op is "share" or "unshare" && (!Page.IsAligned(operands[0]) || !Page.IsAligned(operands[1]) || operands[1] == 0))
        {
            throw line.Error(line.Words[1], $"'{op}' takes a page-aligned address and a positive multiple of 4K.");
        }
        if (op == "loop" && operands[0] == 0)
        {
            throw line.Error(line.Words[1], "A loop runs at least once.");
        }
    }

    private static void CheckByte(Line line, int wordIndex, ulong value)
    {
        if (value > 0xFF)
        {
            throw line.Error(line.Words[wordIndex], $"'{line.Words[wordIndex].Text}' is not a byte value (0..0xff).");
        }
    }

    private readonly record struct Word(string Text, int Column);

    private sealed class Line
    {
        private readonly string _source;

        public Line(string source, int number, string text)
        {
            _source = source;
            LineNumber = number;
            int hash = text.IndexOf('#', StringComparison.Ordinal);
            string content = hash >= 0 ? text[..hash] : text;
            var words = new List<Word>();
            for (int i = 0; i < content.Length;)
            {
                if (char.IsWhiteSpace(content[i]))
                {
                    i++;
                    continue;
                }
                int start = i;
                while (i < content.Length && !char.IsWhiteSpace(content[i]))
                {
                    i++;
                }
                words.Add(new Word(content[start..i], start + 1));
            }
            Words = words;
            Text = content;
        }

        public int LineNumber { get; }

        public string Text { get; }

        public List<Word> Words { get; }

        public void Expect(int count)
        {
            if (Words.Count > count)
            {
                throw Error(Words[count], $"Unexpected '{Words[count].Text}': '{Words[0].Text}' takes {count - 1} operand(s).");
            }
            if (Words.Count < count)
            {
                throw new ScenarioSyntaxException(_source, LineNumber, Text.TrimEnd().Length + 1,
                    $"'{Words[0].Text}' takes {count - 1} operand(s), found {Words.Count - 1}.");
            }
        }

        public string Rest(int from) => from < Words.Count ? Text[(Words[from].Column - 1)..].Trim() : "";

        public ulong Number(int index) => ParseNumber(Words[index]);

        public ulong[] Numbers(int from) => Words.Skip(from).Select(ParseNumber).ToArray();

        public T Enum<T>(int index) where T : struct, Enum
        {
            if (System.Enum.TryParse(Words[index].Text, ignoreCase: true, out T value) && System.Enum.IsDefined(value)
                && !char.IsDigit(Words[index].Text[0]))
            {
                return value;
            }
            string names = string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
            throw Error(Words[index], $"'{Words[index].Text}' is not one of: {names}.");
        }

        public ScenarioSyntaxException Error(Word word, string reason) => new(_source, LineNumber, word.Column, reason);

        private ulong ParseNumber(Word word)
        {
            string text = word.Text;
            ulong scale = 1;
            char last = char.ToUpperInvariant(text[^1]);
            if (last is 'K' or 'M' or 'G')   // none of them is a hex digit
            {
                scale = last switch { 'K' => 1UL << 10, 'M' => 1UL << 20, _ => 1UL << 30 };
                text = text[..^1];
            }
            bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value)
                : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            if (!ok || text.Length == 0)
            {
                throw Error(word, $"'{word.Text}' is not a number (decimal or 0x hex, optional K/M/G suffix).");
            }
            try
            {
                return checked(value * scale);
            }
            catch (OverflowException)
            {
                throw Error(word, $"'{word.Text}' does not fit in 64 bits.");
            }
        }
    }
}
