using System.Net;
using System.Net.Sockets;

namespace Notifications.Bench.Infra;

/// <summary>What Linux's /proc says about a process: CPU time (utime + stime) and resident memory.</summary>
internal static class ProcStat
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, fixed at 100 on Linux x86-64

    public static double CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which sits in parentheses and may hold spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    public static long RssBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    public static double SelfCpuSeconds => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}

internal static class Ports
{
    /// <summary>A port free on 127.0.0.1 right now (the kernel picks it).</summary>
    public static int Free()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}

/// <summary>CPU used by every other process on the machine (the emulator, kernel threads, anything else running), from /proc.</summary>
internal static class MachineCpu
{
    /// <summary>Core-seconds used so far by each process but <paramref name="excluded"/>.</summary>
    public static Dictionary<int, double> Snapshot(IReadOnlyCollection<int> excluded)
    {
        var cpu = new Dictionary<int, double>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && !excluded.Contains(pid) && ProcStat.CpuSeconds(pid) is var s && !double.IsNaN(s))
                cpu[pid] = s;
        }
        return cpu;
    }

    /// <summary>CPU used between two snapshots by processes alive at the end (one that exited in between is missed).</summary>
    public static double Used(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(p => p.Value - before.GetValueOrDefault(p.Key));
}
