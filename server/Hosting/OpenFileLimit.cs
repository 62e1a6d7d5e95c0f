using System.Runtime.InteropServices;

namespace Notifications.Hosting;

/// <summary>
/// Raises the process's open-file limit to its hard limit at start: every socket is a descriptor, and a Native AOT
/// process, unlike one the .NET host starts, keeps the soft limit it inherits (often 1024), where accepts would fail
/// long before MAX_CONNECTIONS.
/// </summary>
internal static class OpenFileLimit
{
    private const int NoFile = 7; // RLIMIT_NOFILE on Linux
    // Linux refuses an unlimited descriptor count; its default ceiling (fs.nr_open) is this.
    private const ulong LinuxCeiling = 1_048_576;

    [StructLayout(LayoutKind.Sequential)]
    private struct Limit
    {
        public ulong Soft;
        public ulong Hard;
    }

    /// <summary>The soft and hard limits after raising the soft one as far as allowed; null where they cannot be read.</summary>
    public static (ulong Soft, ulong Hard)? Raise()
    {
        if (!OperatingSystem.IsLinux() || getrlimit(NoFile, out var limit) != 0)
            return null;
        var raised = new Limit { Soft = Math.Min(limit.Hard, LinuxCeiling), Hard = limit.Hard };
        if (raised.Soft > limit.Soft && setrlimit(NoFile, ref raised) == 0)
            limit = raised;
        return (limit.Soft, limit.Hard);
    }

    // DllImport, not LibraryImport: the arguments are blittable, so there is nothing to generate and no unsafe code.
    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out Limit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref Limit limit);
}
