using System.Globalization;
using Notifications.Configuration;
using Notifications.Tests.Infrastructure;
using Tomlyn;
using Tomlyn.Model;
using Xunit.Sdk;

namespace Notifications.Tests.Deploy;

/// <summary>
/// fly.toml, read with a TOML parser, agrees with what the image and the server do: the port, the
/// health path, the metrics endpoint, a stop timeout the drain fits in, and the connection cap.
/// </summary>
public sealed class FlyTomlTests(ITestOutputHelper output)
{
    private static readonly string Root = ServerProcess.RepositoryRoot();
    private static readonly TomlTable Fly = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(Path.Combine(Root, "fly.toml")))!;
    private static TomlTable Service => Table(Fly, "http_service");
    private static TomlTable Env => Fly.TryGetValue("env", out object? env) ? (TomlTable)env : [];

    [Fact]
    public void The_http_service_forwards_https_to_the_port_the_image_listens_on()
    {
        var final = Dockerfile.Parse(File.ReadAllText(Path.Combine(Root, "Dockerfile")))[^1];
        long port = Get<long>(Service, "internal_port");
        Assert.True(port == 8080, $"internal_port {port}: the server listens on PORT, 8080 by default and in the image.");
        Assert.True(final.Last("EXPOSE") == port.ToString(), $"internal_port {port} differs from the Dockerfile's EXPOSE {final.Last("EXPOSE")}.");
        Assert.True(final.Environment()["PORT"] == port.ToString(), $"internal_port {port} differs from the Dockerfile's ENV PORT={final.Environment()["PORT"]}.");
        Assert.True(Get<bool>(Service, "force_https"), "[http_service] force_https must be true: the page and its socket are served over TLS only.");
    }

    [Fact]
    public void The_routing_health_check_asks_whether_the_machine_serves_and_alerting_whether_Pub_Sub_works()
    {
        var check = Assert.Single((TomlTableArray)Service["checks"]);
        Assert.True(Get<string>(check, "path") == "/healthz",
            $"[[http_service.checks]] path is '{check["path"]}': the proxy must route by /healthz, which fails while this machine starts or stops, " +
            "and not by /healthz?strict, which fails on every machine at once when Pub/Sub does, leaving the proxy nowhere to route.");
        var topLevel = (TomlTable)Fly["checks"];
        Assert.Contains(topLevel.Values, c => Get<string>((TomlTable)c, "path") == "/healthz?strict");
    }

    [Fact(Timeout = 60_000)]
    public async Task Every_health_check_in_fly_toml_gets_200_from_a_healthy_server()
    {
        long publicPort = Get<long>(Service, "internal_port");
        var checks = ((TomlTableArray)Service["checks"]).ToList();
        foreach (var (name, check) in Fly.TryGetValue("checks", out object? topLevel) ? (TomlTable)topLevel : [])
        {
            var table = (TomlTable)check;
            Assert.True(Get<long>(table, "port") == publicPort, $"[checks.{name}] port {table["port"]}: the server answers HTTP checks on internal_port {publicPort}.");
            checks.Add(table);
        }

        await using var server = await TestInstance.StartAsync(TestInstance.StandaloneSettings("ams"), output);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        foreach (var check in checks)
        {
            string method = check.TryGetValue("method", out object? m) ? ((string)m).ToUpperInvariant() : "GET", path = Get<string>(check, "path");
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, $"fly.toml checks {method} {path}, which a healthy server answers with {(int)response.StatusCode}.");
        }
    }

    [Fact]
    public void Fly_scrapes_the_metrics_port_and_path_the_server_serves_and_no_service_exposes_them()
    {
        var metrics = Table(Fly, "metrics");
        int serverPort = Setting("METRICS_PORT", MetricsOptions.DefaultPort);
        Assert.True(Get<long>(metrics, "port") == serverPort, $"[metrics] port {metrics["port"]} differs from the server's METRICS_PORT {serverPort}.");
        Assert.True(Get<string>(metrics, "path") == MetricsOptions.Path, $"[metrics] path '{metrics["path"]}' differs from the server's {MetricsOptions.Path}.");
        Assert.True(serverPort != Get<long>(Service, "internal_port"), "Metrics share the public port; they must have their own.");
        var services = Fly.TryGetValue("services", out object? s) ? (TomlTableArray)s : [];
        Assert.DoesNotContain(services, service => Convert.ToInt64(service["internal_port"]) == serverPort);
    }

    [Fact]
    public void The_stop_signal_is_one_the_server_drains_on_and_kill_timeout_outlasts_the_drain()
    {
        string signal = Fly.TryGetValue("kill_signal", out object? value) ? (string)value : "SIGINT";
        Assert.True(signal is "SIGTERM" or "SIGINT", $"kill_signal {signal}: the server drains on SIGTERM or SIGINT only.");

        var drain = TimeSpan.FromSeconds(Setting("SHUTDOWN_TIMEOUT_SECONDS", InstanceOptions.DefaultShutdownTimeoutSeconds));
        // Fly's default: without kill_timeout the machine is killed 5 s after the signal.
        var killTimeout = Fly.TryGetValue("kill_timeout", out object? timeout) ? Duration(timeout) : TimeSpan.FromSeconds(5);
        Assert.True(killTimeout >= drain + TimeSpan.FromSeconds(2),
            $"kill_timeout {killTimeout.TotalSeconds} s must be at least SHUTDOWN_TIMEOUT_SECONDS {drain.TotalSeconds} s + 2 s, or Fly kills the drain before the subscription is deleted.");
        Assert.True(killTimeout <= TimeSpan.FromMinutes(5), $"kill_timeout {killTimeout.TotalSeconds} s is over Fly's maximum of 300 s.");
    }

    [Fact]
    public void The_proxy_balances_on_connections_and_stops_just_above_the_servers_connection_cap()
    {
        var concurrency = Table(Service, "concurrency");
        int cap = Setting("MAX_CONNECTIONS", AdmissionOptions.DefaultMaxConnections);
        Assert.True(Get<string>(concurrency, "type") == "connections", "Sockets are long-lived: concurrency type must be connections, not requests.");
        long hard = Get<long>(concurrency, "hard_limit"), soft = Get<long>(concurrency, "soft_limit");
        // At hard_limit the proxy holds every new connection, HTTP requests too: above the socket cap, so requests still pass.
        Assert.True(hard > cap && hard <= cap + 1000, $"hard_limit {hard} must be a little above the server's MAX_CONNECTIONS {cap} (room for HTTP requests); move them together.");
        Assert.True(soft < hard, $"soft_limit {soft} must be below hard_limit {hard}, so the proxy spreads sockets before any machine refuses them.");
    }

    [Fact]
    public void Machines_stay_running_and_trust_the_client_address_from_Flys_proxy()
    {
        Assert.True(Get<string>(Service, "auto_stop_machines") == "off",
            "auto_stop_machines must be \"off\": a stopped machine drains its sockets and deletes its subscription.");
        Assert.True(Env.TryGetValue("TRUST_FLY_CLIENT_IP", out object? trust) && (string)trust == "true",
            "[env] TRUST_FLY_CLIENT_IP must be \"true\" on Fly, or every socket seems to come from the proxy's address.");
    }

    [Fact]
    public void Every_env_variable_is_a_string_setting_the_README_documents()
    {
        foreach (var (key, value) in Env)
        {
            Assert.True(value is string, $"[env] {key} must be a string (Fly passes env values as strings only).");
            Assert.False(key.StartsWith("FLY_", StringComparison.Ordinal), $"[env] {key}: Fly reserves FLY_ names and sets them itself.");
        }
        string[] undocumented = Env.Keys.Except(DocumentedSettings()).ToArray();
        Assert.True(undocumented.Length == 0,
            $"[env] sets {string.Join(", ", undocumented)}, not in the README's settings table: a setting the server does not know, or one to document there.");
    }

    /// <summary>A setting as the deployed server sees it: fly.toml's [env] value, else the server's default.</summary>
    private static int Setting(string key, int serverDefault) =>
        !Env.TryGetValue(key, out object? value) ? serverDefault
        : value is string text ? int.Parse(text, CultureInfo.InvariantCulture)
        : throw new XunitException($"[env] {key} must be a string (Fly passes env values as strings only).");

    private static TomlTable Table(TomlTable parent, string key) =>
        parent.TryGetValue(key, out object? value) && value is TomlTable table
            ? table
            : throw new XunitException($"fly.toml has no [{key}] table.");

    private static T Get<T>(TomlTable table, string key) =>
        table.TryGetValue(key, out object? value) && value is T typed
            ? typed
            : throw new XunitException($"fly.toml: '{key}' is missing or not a {typeof(T).Name} (it is '{value}').");

    /// <summary>A Fly duration: an integer of seconds, or a Go duration string such as "15s", "1m30s" or "500ms".</summary>
    private static TimeSpan Duration(object value)
    {
        if (value is long seconds)
            return TimeSpan.FromSeconds(seconds);
        string text = (string)value;
        var total = TimeSpan.Zero;
        int i = 0;
        while (i < text.Length)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                i++;
            double number = double.Parse(text[start..i], CultureInfo.InvariantCulture);
            int unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
                i++;
            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                var unit => throw new XunitException($"Duration '{text}': unknown unit '{unit}'."),
            };
        }
        return total;
    }

    /// <summary>The backticked names in the first column of the README's "## Settings" table.</summary>
    private static HashSet<string> DocumentedSettings()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        int start = Array.IndexOf(lines, "## Settings");
        Assert.True(start >= 0, "README.md has no '## Settings' section.");
        return lines.Skip(start + 1)
            .TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))
            .Where(line => line.StartsWith('|'))
            .Select(line => line.Split('|')[1].Trim())
            .Where(cell => cell.Length > 2 && cell[0] == '`' && cell[^1] == '`')
            .Select(cell => cell[1..^1])
            .ToHashSet();
    }
}
