using System.Text.Json;
using Gmem.TestSupport;

namespace Gmem.Cli.Tests;

/// <summary>End-to-end: the built gmem program's <c>probe</c>.</summary>
public class ProbeCommandTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    [KvmFact]
    public void Probe_Json_ReportsKvmCapabilitiesFlagsAndGuestsThatReachHlt()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "probe", "--json", "--exits", "100000");

        Assert.True(exitCode == 0, $"exit code {exitCode}; stderr: {error}");
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("available").GetBoolean());
        Assert.Equal(12, root.GetProperty("apiVersion").GetInt32());

        JsonElement[] capabilities = [.. root.GetProperty("capabilities").EnumerateArray()];
        Assert.Equal(Enum.GetValues<Capability>().Select(c => c.ToString()), capabilities.Select(c => c.GetProperty("name").GetString()));
        JsonElement guestMemfd = capabilities.Single(c => c.GetProperty("name").GetString() == nameof(Capability.GuestMemfd));
        Assert.Equal(1, guestMemfd.GetProperty("systemValue").GetInt64());

        JsonElement[] types = [.. root.GetProperty("vmTypes").EnumerateArray()];
        Assert.Equal(6, types.Length);
        Assert.True(types[0].GetProperty("accepted").GetBoolean(), "the default VM type must be created");
        foreach (JsonElement type in types)
        {
            // Whatever the host, a type is created exactly when KVM_CAP_VM_TYPES lists it.
            Assert.Equal(type.GetProperty("inCapability").GetBoolean(), type.GetProperty("accepted").GetBoolean());
        }

        ulong accepted = root.GetProperty("acceptedGuestMemfdFlags").GetUInt64();
        Assert.Equal((ulong)GuestMemfdFlags.Mmap, accepted & (ulong)GuestMemfdFlags.Mmap);
        Assert.Equal(root.GetProperty("guestMemfdFlagsCapability").GetInt64(), (long)accepted);
        Assert.True(root.GetProperty("guestMemfdFlagsMatchCapability").GetBoolean());

        JsonElement[] guests = [.. root.GetProperty("guests").EnumerateArray()];
        Assert.Equal(3, guests.Length);
        Assert.All(guests, g => Assert.True(g.GetProperty("reachedHlt").GetBoolean(), g.GetProperty("outcome").GetString()));
        Assert.Equal(100_000, guests[2].GetProperty("ioExits").GetInt64());
    }

    [Fact]
    public void Probe_DeviceMissing_OneLineReasonAndNonZeroExit()
    {
        (int exitCode, string output, string error) = GmemProcess.Run(s_timeout, "probe", "--device", "/nonexistent/kvm");

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("unavailable", line, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/kvm", line, StringComparison.Ordinal);
        Assert.Contains("ENOENT", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_DeviceMissingJson_ReportsUnavailableAndNonZeroExit()
    {
        (int exitCode, string output, _) = GmemProcess.Run(s_timeout, "probe", "--json", "--device", "/nonexistent/kvm");

        Assert.NotEqual(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.False(json.RootElement.GetProperty("available").GetBoolean());
        Assert.Contains("/nonexistent/kvm", json.RootElement.GetProperty("unavailableReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_UnknownOption_NonZeroExitAndNamesTheOption()
    {
        (int exitCode, _, string error) = GmemProcess.Run(s_timeout, "probe", "--no-such-option");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--no-such-option", error, StringComparison.Ordinal);
    }
}
