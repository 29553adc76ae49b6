using System.Reflection;
using System.Runtime.InteropServices;

namespace Gmem.Vmm.Bench;

// The raw entry points of libkvm_bench.so (bench/c/kvm_bench.c built with -DKVM_BENCH_LIBRARY). The library
// is compiled at run time into a temporary directory, so the "kvm_bench" name is resolved to that path.
// Raw layer: returns what the C functions return, never throws.
internal static partial class NativeBaseline
{
    public const string Library = "kvm_bench";

    private static string? s_path;

    /// <summary>Makes "kvm_bench" resolve to <paramref name="path"/> (the first call wins; later ones must agree).</summary>
    public static void Use(string path)
    {
        if (Interlocked.CompareExchange(ref s_path, path, null) is null)
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeBaseline).Assembly, Resolve);
        }
    }

    public static string? Path => Volatile.Read(ref s_path);

    [LibraryImport(Library)]
    public static partial nint kb_error();

    [LibraryImport(Library)]
    public static partial int kb_init();

    [LibraryImport(Library)]
    public static partial nint kb_io_open();

    [LibraryImport(Library)]
    public static partial long kb_io_run(KbVmHandle vm, long exits);

    [LibraryImport(Library)]
    public static partial void kb_io_close(nint vm);

    [LibraryImport(Library)]
    public static partial long kb_start(long reps);

    [LibraryImport(Library)]
    public static partial long kb_run_count(long count);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library && Path is string path ? NativeLibrary.Load(path) : 0;
}
