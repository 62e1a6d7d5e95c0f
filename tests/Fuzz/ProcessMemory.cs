using System.Globalization;

namespace Notifications.Tests.Fuzz;

/// <summary>Reads a server process's managed heap from its own metrics endpoint.</summary>
internal sealed class ProcessMemory(int metricsPort)
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

    public async Task<long> ManagedBytesAsync()
    {
        string text = await _http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        string line = text.Split('\n').First(l => l.StartsWith("dotnet_total_memory_bytes "));
        return (long)double.Parse(line["dotnet_total_memory_bytes ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The heap once it settles: GC runs when the heap grows, not on a timer, so garbage from the storm can
    /// linger; sample for a while and take the lowest reading.
    /// </summary>
    public async Task<long> SettledManagedBytesAsync(long baseline)
    {
        long lowest = long.MaxValue;
        for (int i = 0; i < 20 && lowest > baseline; i++)
        {
            lowest = Math.Min(lowest, await ManagedBytesAsync());
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
        return lowest;
    }
}
