using System.Runtime.InteropServices;

namespace Notifications.Bench.Infra;

/// <summary>The hardware and runtime a result was measured on, as the report prints and the JSON keeps it.</summary>
internal sealed record Machine(int Cores, string CpuModel, long MemoryBytes, string Kernel, string Runtime, string Os, long OpenFilesLimit)
{
    public static Machine Describe() => new(
        Environment.ProcessorCount,
        ProcLine("/proc/cpuinfo", "model name") ?? "unknown",
        (long.TryParse(ProcLine("/proc/meminfo", "MemTotal")?.Split(' ')[0], out long kb) ? kb : 0) * 1024,
        Read("/proc/sys/kernel/osrelease"),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        OpenFiles());

    public override string ToString() =>
        $"{Cores} cores ({CpuModel}), {MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, Linux {Kernel}, {Runtime}, open files limit {OpenFilesLimit}";

    private static string? ProcLine(string path, string key)
    {
        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == key)
                return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "unknown";

    private static long OpenFiles()
    {
        foreach (string line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
                return long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], out long n) ? n : -1;
        }
        return -1;
    }
}
