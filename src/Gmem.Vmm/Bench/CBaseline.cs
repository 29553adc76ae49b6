// The C baseline: bench/c/kvm_bench.c (embedded in this assembly) compiled with gcc into a temporary
// directory as a shared library and called in-process, so C and C# run side by side under the same load.
// The library keeps its own /dev/kvm descriptor; each measurement creates and closes its own VMs.
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gmem.Vmm.Bench;

/// <summary>The same guests as the C# benchmarks, driven by a small C program doing the same ioctls.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static",
    Justification = "An instance is the proof that the library is compiled, loaded and initialized.")]
public sealed class CBaseline
{
    private static readonly Lock s_lock = new();
    private static CBaseline? s_instance;

    private CBaseline(string libraryPath, string programPath)
    {
        LibraryPath = libraryPath;
        ProgramPath = programPath;
    }

    /// <summary>The compiled library.</summary>
    public string LibraryPath { get; }

    /// <summary>The compiled stand-alone program (same source, its own process).</summary>
    public string ProgramPath { get; }

    /// <summary>
    /// Compiles the C baseline once per process (gcc -O2 -shared) and opens /dev/kvm in it. Returns null with
    /// <paramref name="reason"/> when gcc is missing, compilation fails or KVM cannot be opened.
    /// </summary>
    public static CBaseline? TryCreate(out string? reason)
    {
        lock (s_lock)
        {
            if (s_instance is null)
            {
                string? path = Compile(library: true, out reason);
                string? program = path is null ? null : Compile(library: false, out reason);
                if (path is null || program is null)
                {
                    return null;
                }
                NativeBaseline.Use(path);
                if (NativeBaseline.Path != path)
                {
                    reason = $"Another C baseline library is already loaded ({NativeBaseline.Path}).";
                    return null;
                }
                if (NativeBaseline.kb_init() < 0)
                {
                    reason = $"kvm_bench: {Error()}";
                    return null;
                }
                s_instance = new CBaseline(path, program);
            }
            reason = null;
            return s_instance;
        }
    }

    /// <summary>A VM whose guest OUTs 0, 1, 2, … to port 0x10 forever; <see cref="RunIo"/> takes exits from it.</summary>
    public IDisposable OpenIoGuest()
    {
        var handle = new KbVmHandle();
        nint vm = NativeBaseline.kb_io_open();
        if (vm == 0)
        {
            throw new InvalidOperationException($"kvm_bench: {Error()}");
        }
        Marshal.InitHandle(handle, vm);
        return handle;
    }

    /// <summary>Handles <paramref name="exits"/> port-I/O exits of a guest from <see cref="OpenIoGuest"/>, checking each value.</summary>
    public void RunIo(IDisposable guest, long exits)
    {
        var handle = (KbVmHandle)guest;
        if (NativeBaseline.kb_io_run(handle, exits) != exits)
        {
            throw new InvalidOperationException($"kvm_bench: {Error()}");
        }
    }

    /// <summary>VM start to first HLT, <paramref name="reps"/> times: VM, guest_memfd, slot, vCPU, registers, KVM_RUN, close.</summary>
    public void StartToHlt(long reps)
    {
        if (NativeBaseline.kb_start(reps) != reps)
        {
            throw new InvalidOperationException($"kvm_bench: {Error()}");
        }
    }

    /// <summary>A guest that OUTs <paramref name="count"/> values and halts, run from VM creation to HLT.</summary>
    public void RunCount(long count)
    {
        if (NativeBaseline.kb_run_count(count) != count)
        {
            throw new InvalidOperationException($"kvm_bench: {Error()}");
        }
    }

    /// <summary>
    /// Runs the stand-alone program (<c>kvm_bench io|start n</c>) in its own process and returns its nanoseconds
    /// per operation: the C baseline without the .NET process around it.
    /// </summary>
    public double RunProgram(string mode, long count)
    {
        ArgumentNullException.ThrowIfNull(mode);
        var start = new ProcessStartInfo(ProgramPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("kvm_bench did not start.");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string key = mode == "io" ? "ns_per_exit=" : "ns_per_start=";
        int at = output.IndexOf(key, StringComparison.Ordinal);
        if (process.ExitCode != 0 || at < 0)
        {
            throw new InvalidOperationException($"kvm_bench {mode} {count}: {output.Trim()}");
        }
        string value = output[(at + key.Length)..].Split((char[])[' ', '\n'], 2)[0];
        return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Error() => Marshal.PtrToStringUTF8(NativeBaseline.kb_error()) ?? "unknown error";

    private static string? Compile(bool library, out string? reason)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"gmem-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        string source = Path.Combine(directory, "kvm_bench.c");
        string output = Path.Combine(directory, library ? "libkvm_bench.so" : "kvm_bench");
        using (Stream resource = typeof(CBaseline).Assembly.GetManifestResourceStream("Gmem.Vmm.Bench.kvm_bench.c")
            ?? throw new InvalidOperationException("The kvm_bench.c resource is missing from Gmem.Vmm."))
        using (FileStream file = File.Create(source))
        {
            resource.CopyTo(file);
        }
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        string[] args = library ? ["-O2", "-shared", "-fPIC", "-DKVM_BENCH_LIBRARY", "-o", output, source] : ["-O2", "-o", output, source];
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            using Process gcc = Process.Start(start) ?? throw new InvalidOperationException("gcc did not start.");
            string errors = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            if (gcc.ExitCode != 0)
            {
                reason = $"gcc failed ({gcc.ExitCode}): {errors.Trim()}";
                return null;
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            reason = $"gcc is not available: {e.Message}";
            return null;
        }
        reason = null;
        return output;
    }
}
