namespace Notifications.Pusher.Apps;

/// <summary>The apps this server serves, found by key (sockets) or by id (the HTTP API). Empty: the Pusher door is off.</summary>
internal sealed class PusherApps
{
    private readonly Dictionary<string, PusherApp> _byKey;
    private readonly Dictionary<string, PusherApp> _byId;

    public PusherApps(IEnumerable<PusherApp> apps)
    {
        All = [.. apps];
        _byKey = All.ToDictionary(a => a.Key, StringComparer.Ordinal);
        _byId = All.ToDictionary(a => a.Id, StringComparer.Ordinal);
    }

    /// <summary>The apps the settings name; the settings' validator has already refused a bad <c>PUSHER_APPS</c>.</summary>
    public static PusherApps From(Configuration.PusherOptions options) => new(PusherAppsParser.Parse(options).Apps);

    public IReadOnlyList<PusherApp> All { get; }

    public bool Enabled => All.Count > 0;

    public PusherApp? ByKey(string key) => _byKey.GetValueOrDefault(key);

    public PusherApp? ById(string id) => _byId.GetValueOrDefault(id);
}
