using Spectre.Console;

namespace Gmem.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Scripts and files get plain text: no colours, no cursor control.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(Console.Out),
            });
        }
        return GmemCommand.Build().Parse(args).Invoke();
    }
}
