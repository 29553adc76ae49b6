using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gmem.Kvm.Tests;

/// <summary>
/// Compiles and runs one small C program that prints every entry of <see cref="KvmLayout.Entries"/> the
/// installed headers define (each guarded by its <c>#ifdef</c>), as <c>name=value</c> lines. Done once per run.
/// </summary>
internal static class HeaderProbe
{
    private static readonly Lazy<(IReadOnlyDictionary<string, long>? Values, string? SkipReason)> s_result = new(Run);

    /// <summary>Why the header cannot be checked (no gcc, no header), or null.</summary>
    public static string? SkipReason => s_result.Value.SkipReason;

    /// <summary>The values the C compiler computed, by entry name.</summary>
    public static IReadOnlyDictionary<string, long> Values => s_result.Value.Values ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The C source (for failure messages and inspection).</summary>
    public static string Source()
    {
        var c = new StringBuilder();
        c.AppendLine("#define _GNU_SOURCE");
        c.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <sys/mman.h>");
        c.AppendLine("#include <sys/stat.h>\n#include <sys/uio.h>\n#include <linux/falloc.h>\n#include <linux/kvm.h>\n#include <linux/kvm_para.h>");
        c.AppendLine("#ifdef KVM_EXIT_HYPERCALL_LONG_MODE\n#define HC_FLAGS hypercall.flags\n#else\n#define HC_FLAGS hypercall.longmode\n#endif");
        c.AppendLine("int main(void) {");
        foreach (KvmLayout.Entry e in KvmLayout.Entries)
        {
            if (e.Guard is not null)
            {
                c.AppendLine(CultureInfo.InvariantCulture, $"#ifdef {e.Guard}");
            }
            c.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"%s=%lld\\n\", \"{e.Name}\", (long long)({e.CExpression}));");
            if (e.Guard is not null)
            {
                c.AppendLine("#endif");
            }
        }
        c.AppendLine("  return 0;\n}");
        return c.ToString();
    }

    private static (IReadOnlyDictionary<string, long>?, string?) Run()
    {
        string? gcc = FindOnPath("gcc");
        if (gcc is null)
        {
            return (null, "gcc is not installed: the struct layouts cannot be compared with <linux/kvm.h>.");
        }
        if (!File.Exists("/usr/include/linux/kvm.h"))
        {
            return (null, "<linux/kvm.h> is not installed (package linux-libc-dev).");
        }
        string dir = Directory.CreateTempSubdirectory("gmem-layout-").FullName;
        try
        {
            string source = Path.Combine(dir, "layout.c");
            string binary = Path.Combine(dir, "layout");
            File.WriteAllText(source, Source());
            (int rc, string output) = Exec(gcc, $"-O0 -w -o {binary} {source}");
            if (rc != 0)
            {
                throw new InvalidOperationException($"gcc failed:\n{output}");
            }
            (rc, output) = Exec(binary, "");
            if (rc != 0)
            {
                throw new InvalidOperationException($"the layout program failed:\n{output}");
            }
            var values = new Dictionary<string, long>();
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = line.LastIndexOf('=');
                values[line[..eq]] = long.Parse(line[(eq + 1)..], CultureInfo.InvariantCulture);
            }
            return (values, null);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int, string) Exec(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
