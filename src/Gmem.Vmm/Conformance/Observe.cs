namespace Gmem.Vmm.Conformance;

/// <summary>Turns an operation's outcome into the text the conformance table compares.</summary>
public static class Observe
{
    /// <summary>"ok" when <paramref name="action"/> returns; "SIGBUS" for a host access fault; otherwise the errno name.</summary>
    public static string Outcome(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            action();
            return "ok";
        }
        catch (HostAccessFault)
        {
            return "SIGBUS";
        }
        catch (GmemException e)
        {
            return e.Errno.ToString();
        }
    }

    /// <summary>The outcome of every action if they agree, else each one's, joined with "/".</summary>
    public static string All(IEnumerable<Action> actions)
    {
        var outcomes = actions.Select(Outcome).ToList();
        return outcomes.Distinct().Count() == 1 ? outcomes[0] : string.Join("/", outcomes);
    }
}
