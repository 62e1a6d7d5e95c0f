using System.Buffers;

namespace Notifications.Messages;

/// <summary>
/// The one rule for channel names, shared by client frames, topic messages and tokens: 1 to 128
/// characters, ASCII letters, digits and <c>: _ - . = @ , ; |</c>; a name neither starts nor ends with
/// <c>:</c>. Enough for a JWT <c>sub</c> such as <c>auth0|abc123</c> or an e-mail address, and for Pusher's
/// channel names; never white space, control characters, quotes or <c>*</c> (which patterns use). The part
/// before the first <c>:</c> is the namespace. Names are compared ordinally (case matters).
/// </summary>
internal static class ChannelName
{
    /// <summary>The channel every socket is in unless it leaves it: today's alert page and protocol.</summary>
    public const string Global = AlertMessage.GlobalChannel;

    public const int MaxLength = 128;

    public const string PublicPrefix = "public:";
    public const string UserPrefix = "user:";

    /// <summary>Pusher apps' channels (<c>pusher:&lt;app&gt;:&lt;channel&gt;</c>), which only a pattern written inside this namespace reaches.</summary>
    public const string PusherPrefix = "pusher:";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_-.=@,;|");

    public static bool IsValid(string? name) => Problem(name) is null;

    /// <summary>What is wrong with <paramref name="name"/>, in a sentence for an error frame; null when it is valid.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "A channel name must not be empty.";
        if (name.Length > MaxLength)
            return $"A channel name is at most {MaxLength} characters; this one has {name.Length}.";
        if (name.AsSpan().IndexOfAnyExcept(Allowed) >= 0)
            return "A channel name may hold only ASCII letters, digits and : _ - . = @ , ; |";
        if (name[0] == ':' || name[^1] == ':')
            return "A channel name must not start or end with ':'.";
        return null;
    }

    /// <summary>The user channel of <paramref name="userId"/>: every signed-in socket is in it.</summary>
    public static string ForUser(string userId) => UserPrefix + userId;

    /// <summary>The user id a <c>user:</c> channel belongs to, or null for any other channel.</summary>
    public static string? UserOf(string name) =>
        name.StartsWith(UserPrefix, StringComparison.Ordinal) ? name[UserPrefix.Length..] : null;

    public static bool IsPublic(string name) => name.StartsWith(PublicPrefix, StringComparison.Ordinal);
}
