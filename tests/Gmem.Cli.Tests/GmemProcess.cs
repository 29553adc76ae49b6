using System.Diagnostics;
using System.Reflection;

namespace Gmem.Cli.Tests;

/// <summary>Runs the built <c>gmem</c> program (<c>dotnet Gmem.Cli.dll …</c>) and captures what it prints.</summary>
internal static class GmemProcess
{
    public static string CliDll { get; } = Path.GetFullPath(typeof(GmemProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "GmemCliDll").Value!);

    public static (int ExitCode, string Output, string Error) Run(TimeSpan timeout, params string[] args)
    {
        Assert.True(File.Exists(CliDll), $"the gmem program is not built at {CliDll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"gmem {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
