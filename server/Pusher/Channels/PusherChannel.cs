using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Notifications.Pusher.Channels;

/// <summary>What a Pusher channel's name makes it: who may subscribe and whether clients may send on it.</summary>
internal enum PusherChannelKind
{
    /// <summary>Anyone with the app key; no authorization.</summary>
    Public,

    /// <summary><c>private-</c>: a subscription needs <c>key:HMAC(socket_id:channel)</c> from the app's backend.</summary>
    Private,

    /// <summary><c>private-encrypted-</c>: authorized like private; the server carries its data as opaque ciphertext and refuses client events.</summary>
    PrivateEncrypted,

    /// <summary><c>presence-</c>: authorized with <c>channel_data</c> naming the user; the channel keeps a member list.</summary>
    Presence,

    /// <summary><c>#server-to-user-{id}</c>: only a socket signed in (<c>pusher:signin</c>) as that user may subscribe.</summary>
    ServerToUser,
}

/// <summary>
/// A valid Pusher channel name and its kind. Names are 1 to 200 of <c>A-Z a-z 0-9 _ - = @ , . ;</c>
/// (the Node SDK's rule), so they never hold a ':' — which keeps them apart from our own namespaced channels.
/// </summary>
internal readonly partial record struct PusherChannel(string Name, PusherChannelKind Kind)
{
    public const int MaxNameLength = 200;
    public const string ServerToUserPrefix = "#server-to-user-";

    public static bool TryParse([NotNullWhen(true)] string? name, out PusherChannel channel)
    {
        channel = default;
        if (name is null || name.Length is 0 or > MaxNameLength)
            return false;
        if (name.StartsWith(ServerToUserPrefix, StringComparison.Ordinal))
        {
            if (!NamePattern().IsMatch(name.AsSpan(ServerToUserPrefix.Length)))
                return false;
            channel = new(name, PusherChannelKind.ServerToUser);
            return true;
        }
        if (!NamePattern().IsMatch(name))
            return false;
        channel = new(name, KindOf(name));
        return true;
    }

    /// <summary>Whether a subscription needs a signature from the app's backend.</summary>
    public bool NeedsAuthorization => Kind is PusherChannelKind.Private or PusherChannelKind.PrivateEncrypted or PusherChannelKind.Presence;

    /// <summary>Whether subscribers may send <c>client-*</c> events on it (Pusher: private and presence only).</summary>
    public bool TakesClientEvents => Kind is PusherChannelKind.Private or PusherChannelKind.Presence;

    /// <summary>A cache channel (<c>cache-</c>, <c>private-cache-</c>, <c>private-encrypted-cache-</c>, <c>presence-cache-</c>): its subscribers are told <c>pusher:cache_miss</c>.</summary>
    public bool IsCache => Kind switch
    {
        PusherChannelKind.Public => Name.StartsWith("cache-", StringComparison.Ordinal),
        PusherChannelKind.Private => Name.StartsWith("private-cache-", StringComparison.Ordinal),
        PusherChannelKind.PrivateEncrypted => Name.StartsWith("private-encrypted-cache-", StringComparison.Ordinal),
        PusherChannelKind.Presence => Name.StartsWith("presence-cache-", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The user a <c>#server-to-user-</c> channel belongs to; null for every other kind.</summary>
    public string? UserId => Kind == PusherChannelKind.ServerToUser ? Name[ServerToUserPrefix.Length..] : null;

    private static PusherChannelKind KindOf(string name) =>
        name.StartsWith("private-encrypted-", StringComparison.Ordinal) ? PusherChannelKind.PrivateEncrypted
        : name.StartsWith("private-", StringComparison.Ordinal) ? PusherChannelKind.Private
        : name.StartsWith("presence-", StringComparison.Ordinal) ? PusherChannelKind.Presence
        : PusherChannelKind.Public;

    [GeneratedRegex("^[A-Za-z0-9_=@,.;-]+\\z")]
    private static partial Regex NamePattern();
}
