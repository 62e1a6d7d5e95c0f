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
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port free on 127.0.0.1 right now, below the kernel's ephemeral range and not handed out before: one the kernel
    /// picks (port 0) comes from that range, where the generator's own outgoing sockets may take it before the server
    /// binds it.
    /// </summary>
    public static int Free()
    {
        int below = EphemeralLow();
        lock (Given)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(Math.Max(1024, below - 10_000), below);
                if (!Given.Add(port))
                    continue;
                try
                {
                    using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    return port;
                }
                catch (SocketException)
                {
                }
            }
        }
        throw new InvalidOperationException($"No free port found below {below}.");
    }

    private static int EphemeralLow()
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0],
                System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 32768;
        }
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
