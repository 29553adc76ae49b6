using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// Kicks a thread out of <c>KVM_RUN</c>: a SIGUSR2 sent with <c>tgkill</c> makes the kernel leave guest mode
/// and return EINTR. The signal gets a do-nothing handler (registered once, through the runtime's
/// <see cref="PosixSignalRegistration"/>, canceling the default action that would end the process); a signal
/// with the default "ignore" disposition would be dropped before it could interrupt anything.
/// </summary>
internal static class VcpuKick
{
    private static readonly Lazy<PosixSignalRegistration> s_registration = new(() =>
        PosixSignalRegistration.Create((PosixSignal)LibcConstants.SIGUSR2, static context => context.Cancel = true));

    [ThreadStatic]
    private static int t_tid;

    /// <summary>This thread's kernel thread id (cached).</summary>
    internal static int CurrentThreadId
    {
        get
        {
            if (t_tid == 0)
            {
                t_tid = Libc.gettid();
            }
            return t_tid;
        }
    }

    /// <summary>Installs the handler; call before the first kick can happen.</summary>
    internal static void EnsureInstalled() => _ = s_registration.Value;

    /// <summary>Sends the kick signal to thread <paramref name="tid"/> of this process.</summary>
    internal static void Kick(int tid)
    {
        EnsureInstalled();
        // ESRCH when the thread is gone: nothing to interrupt.
        _ = Libc.tgkill(Libc.getpid(), tid, LibcConstants.SIGUSR2);
    }
}
