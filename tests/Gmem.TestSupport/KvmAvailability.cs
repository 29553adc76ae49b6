using Microsoft.Win32.SafeHandles;

namespace Gmem.TestSupport;

/// <summary>Whether this machine's <c>/dev/kvm</c> can be opened, and why not.</summary>
public static class KvmAvailability
{
    private static readonly Lazy<string?> s_skipReason = new(Probe);

    /// <summary>Null when /dev/kvm opens read-write; otherwise the reason every Kvm test is skipped.</summary>
    public static string? SkipReason => s_skipReason.Value;

    /// <summary>Whether Kvm tests run.</summary>
    public static bool IsAvailable => SkipReason is null;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Kvm tests need Linux.";
        }
        try
        {
            using SafeFileHandle handle = File.OpenHandle("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"/dev/kvm cannot be opened here: {e.Message}";
        }
    }
}
