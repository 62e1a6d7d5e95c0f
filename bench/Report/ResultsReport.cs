using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Notifications.Bench.Infra;

namespace Notifications.Bench.Report;

/// <summary>The table on the console and the same results as JSON, both saying exactly what produced them.</summary>
internal static class ResultsReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Table(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| scenario | case | result | lost/dup | server CPU | bench CPU | other CPU | target | met |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            string met = r.Met switch { true => "yes", false => "**no**", null => "" };
            string lost = r.Failed ? $"**{r.Lost}/{r.Duplicated} FAILED**" : $"{r.Lost}/{r.Duplicated}";
            text.AppendLine($"| {r.Scenario} | {r.Case} | {r.Figures} | {lost} | {Pct(r.ServerCpuPercent)} | {Pct(r.BenchCpuPercent)} | {Pct(r.OtherCpuPercent)} | {r.Target} | {met} |");
        }
        return text.ToString();
    }

    private static string Pct(double? p) => p is { } v && !double.IsNaN(v) ? $"{v:0}%" : "";

    public static void Write(string path, string command, Machine machine, BenchContext context, DateTimeOffset started, TimeSpan took)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var document = new
        {
            command,
            started,
            tookSeconds = took.TotalSeconds,
            machine,
            settings = new
            {
                context.Smoke,
                context.Options.StepSeconds,
                context.Options.GcProbe,
                clientCoalesceMicroseconds = context.Options.CoalesceMicroseconds,
                server = context.Server.ToString(),
                serverEnv = context.ServerEnv,
                benchDefaults = ServerProcess.BenchDefaults,
                serverDefaults = "README settings table defaults unless serverEnv overrides (LOG_LEVEL Information, WS_SEND_QUEUE 512, WS_KEEPALIVE_SECONDS 20)",
                context.LogDir,
            },
            rows = context.Rows,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json));
    }
}
