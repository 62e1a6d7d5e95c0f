using System.Runtime.InteropServices;
using Notifications.Transport;

namespace Notifications.Tests.Infrastructure;

/// <summary>
/// Makes the kernel refuse a <see cref="SendRing"/>, as a sandbox or a failing kernel would: the ring's descriptor is
/// made <c>/dev/null</c>'s, so <c>io_uring_enter</c> on it answers <c>EOPNOTSUPP</c> and takes none of the ring's sends.
/// </summary>
internal static class RingRefusal
{
    public static void Refuse(SendRing ring)
    {
        using var devNull = File.OpenHandle("/dev/null");
        if (dup2((int)devNull.DangerousGetHandle(), ring.Descriptor) < 0)
            throw new IOException($"dup2 failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup2(int oldDescriptor, int newDescriptor);
}
