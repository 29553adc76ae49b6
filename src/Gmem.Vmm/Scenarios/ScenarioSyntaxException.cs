namespace Gmem.Vmm.Scenarios;

/// <summary>A scenario file that cannot be read: names the file, line and column.</summary>
public sealed class ScenarioSyntaxException : FormatException
{
    /// <summary>Creates the error for <paramref name="source"/> at <paramref name="line"/>:<paramref name="column"/> (both 1-based).</summary>
    public ScenarioSyntaxException(string source, int line, int column, string reason)
        : base($"{source}:{line}:{column}: {reason}")
    {
        Source = source;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>The file name (or "&lt;text&gt;").</summary>
    public new string Source { get; }

    /// <summary>1-based line.</summary>
    public int Line { get; }

    /// <summary>1-based column.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
