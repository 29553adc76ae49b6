namespace Gmem.Cli;

internal static class Program
{
    private static int Main(string[] args) => GmemCommand.Build().Parse(args).Invoke();
}
