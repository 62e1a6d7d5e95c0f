using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Notifications.Pusher.Protocol;

/// <summary>
/// Pusher socket ids, <c>digits.digits</c> (the server SDKs check <c>^\d+\.\d+$</c>). Random, about 62
/// bits, so ids are unique across the fleet: an HTTP API call's <c>socket_id</c> exclusion reaches the
/// right socket on whichever instance holds it.
/// </summary>
internal static partial class SocketIds
{
    public static string New() =>
        $"{RandomNumberGenerator.GetInt32(1, int.MaxValue)}.{RandomNumberGenerator.GetInt32(1, int.MaxValue)}";

    public static bool IsValid(string? socketId) => socketId is { Length: <= 41 } && Pattern().IsMatch(socketId);

    [GeneratedRegex("^[0-9]+\\.[0-9]+\\z")]
    private static partial Regex Pattern();
}
