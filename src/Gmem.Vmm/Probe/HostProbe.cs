// Probes the real KVM: API version, every capability at system and VM scope, which VM types and which
// guest_memfd flag bits the kernel accepts (by trying them), and whether guests actually run from
// guest_memfd here. Nothing is assumed from headers or documentation: every answer is a kernel call.
using System.Diagnostics;
using Gmem.Kvm;
using Gmem.Vmm.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Gmem.Vmm.Probe;

/// <summary>Finds out what this host's KVM supports.</summary>
public static class HostProbe
{
    /// <summary>The port the probe guests write to.</summary>
    public const ushort Port = 0x10;

    /// <summary>The highest VM type tried (KVM_X86_TDX_VM).</summary>
    public const int MaxVmType = 5;

    /// <summary>Runs every probe. <paramref name="portIoExits"/> sets the size of the port-I/O guest (0 skips it).</summary>
    public static HostProbeReport Run(string devicePath = "/dev/kvm", uint portIoExits = 100_000)
    {
        KvmHypervisor kvm;
        try
        {
            kvm = KvmHypervisor.Open(devicePath);
        }
        catch (GmemException e)
        {
            return new HostProbeReport { Available = false, UnavailableReason = $"{devicePath}: {e.Message}", Kernel = KernelRelease() };
        }
        using (kvm)
        {
            var guests = new List<GuestRunProbe>
            {
                RunGuest(kvm, "CPL0, gmem-only slot with host mapping", X86PrivilegeLevel.Kernel, mapData: true, 1),
                RunGuest(kvm, "CPL3, data slot unmapped (uaddr 0)", X86PrivilegeLevel.User, mapData: false, 1),
            };
            if (portIoExits > 0)
            {
                guests.Add(RunGuest(kvm, $"{portIoExits:N0} port-I/O exits (CPL0)", X86PrivilegeLevel.Kernel, mapData: true, portIoExits));
            }
            using KvmVm vm = kvm.CreateVm();
            long? flagsCapability = TryCheck(vm.CheckExtension, Capability.GuestMemfdFlags, out _);
            return new HostProbeReport
            {
                Available = true,
                Kernel = KernelRelease(),
                ApiVersion = kvm.ApiVersion,
                Capabilities = ProbeCapabilities(kvm, vm),
                VmTypes = ProbeVmTypes(kvm),
                AcceptedGuestMemfdFlags = ProbeGuestMemfdFlags(vm),
                GuestMemfdFlagsCapability = flagsCapability,
                Guests = guests,
            };
        }
    }

    /// <summary>
    /// A guest that OUTs 0, 1, 2, … <paramref name="count"/> times to <see cref="Port"/> and halts; at CPL3 it
    /// first writes and reads back a qword in its data region.
    /// </summary>
    public static Action<Assembler> CountingGuest(uint count, X86GuestLayout layout) => a =>
    {
        ArgumentNullException.ThrowIfNull(layout);
        Label loop = a.CreateLabel();
        a.mov(rdi, layout.Data.Value);
        a.mov(rax, 0x0123_4567_89AB_CDEFUL);
        a.mov(__qword_ptr[rdi], rax);
        a.cmp(rax, __qword_ptr[rdi]);
        a.jne(loop);                     // a mismatch starts the count at a wrong value: the host sees it
        a.xor(eax, eax);
        a.Label(ref loop);
        a.mov(ecx, count);
        a.mov(edx, (uint)Port);
        Label next = a.CreateLabel();
        a.Label(ref next);
        a.@out(dx, eax);
        a.inc(eax);
        a.dec(ecx);
        a.jnz(next);
        a.hlt();
    };

    private static GuestRunProbe RunGuest(KvmHypervisor kvm, string name, X86PrivilegeLevel privilege, bool mapData, uint count)
    {
        try
        {
            using KvmVm vm = kvm.CreateVm();
            var options = new X86GuestOptions { Privilege = privilege, MapData = mapData };
            using X86Guest guest = X86Guest.Create(vm, options, CountingGuest(count, options.Layout));
            var checker = new SequenceChecker();
            long start = Stopwatch.GetTimestamp();
            X86RunResult result = guest.RunToHlt(checker.OnIo);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            bool ok = result.Outcome == X86RunOutcome.Halted && result.IoExits == count;
            string outcome = ok ? "HLT, every value in order" : result.ToString();
            return new GuestRunProbe(name, ok, outcome, result.IoExits, seconds);
        }
        catch (GmemException e)
        {
            return new GuestRunProbe(name, false, $"{e.Operation}: {e.Errno} ({e.Message})", 0, 0);
        }
    }

    private static List<CapabilityProbe> ProbeCapabilities(KvmHypervisor kvm, KvmVm vm)
    {
        var capabilities = new List<CapabilityProbe>();
        foreach (Capability capability in Enum.GetValues<Capability>())
        {
            long? system = TryCheck(kvm.CheckExtension, capability, out string? systemError);
            long? scoped = TryCheck(vm.CheckExtension, capability, out string? vmError);
            capabilities.Add(new CapabilityProbe(capability.ToString(), (uint)capability, system, scoped, systemError ?? vmError));
        }
        return capabilities;
    }

    private static List<VmTypeProbe> ProbeVmTypes(KvmHypervisor kvm)
    {
        long bitmap = TryCheck(kvm.CheckExtension, Capability.VmTypes, out _) ?? 0;
        var types = new List<VmTypeProbe>();
        for (ulong type = 0; type <= MaxVmType; type++)
        {
            string name = Enum.IsDefined((VmType)type) ? ((VmType)type).ToString() : type.ToString(System.Globalization.CultureInfo.InvariantCulture);
            bool inCapability = (bitmap & (1L << (int)type)) != 0;
            try
            {
                using KvmVm vm = kvm.CreateVm((VmType)type);
                types.Add(new VmTypeProbe(type, name, true, null, inCapability));
            }
            catch (GmemException e)
            {
                types.Add(new VmTypeProbe(type, name, false, e.Errno.ToString(), inCapability));
            }
        }
        return types;
    }

    private static ulong ProbeGuestMemfdFlags(KvmVm vm)
    {
        ulong accepted = 0;
        for (int bit = 0; bit < 64; bit++)
        {
            try
            {
                using KvmGuestMemfd file = vm.CreateGuestMemfd(Page.Size, (GuestMemfdFlags)(1UL << bit));
                accepted |= 1UL << bit;
            }
            catch (GmemException e) when (e.Errno == Errno.EINVAL)
            {
                // Refused: not a flag this VM supports.
            }
        }
        return accepted;
    }

    private static long? TryCheck(Func<Capability, long> check, Capability capability, out string? error)
    {
        try
        {
            error = null;
            return check(capability);
        }
        catch (GmemException e)
        {
            error = e.Errno.ToString();
            return null;
        }
    }

    private static string? KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Checks the guest's values arrive as 0, 1, 2, … on Port; any other exit stops the run.
    private sealed class SequenceChecker
    {
        private uint _next;

        public bool OnIo(VcpuExit.Io io) => io.Port == Port && io.Direction == IoDirection.Out && io.Value == _next++;
    }
}
