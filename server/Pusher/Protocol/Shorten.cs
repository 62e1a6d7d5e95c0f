namespace Notifications.Pusher.Protocol;

/// <summary>Keeps a client's text short when an error message repeats it back.</summary>
internal static class Shorten
{
    public static string To(string value, int max = 40) => value.Length <= max ? value : string.Concat(value.AsSpan(0, max), "…");
}
