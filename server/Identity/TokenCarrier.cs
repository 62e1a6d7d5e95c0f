namespace Notifications.Identity;

/// <summary>What the handshake carried: a token (or none), the subprotocol to answer with (or none), or why the request is refused.</summary>
internal readonly record struct CarriedToken(string? Token, string? SelectedProtocol, string? Problem);

/// <summary>
/// Where a connection token travels in the upgrade request. Browsers cannot set headers on a WebSocket,
/// but they can offer subprotocols: a page opens <c>new WebSocket(url, ["notifications.v1", "bearer." + jwt])</c>
/// and the server answers <c>notifications.v1</c>, never the token. Other clients may send
/// <c>Authorization: Bearer &lt;jwt&gt;</c>. Never the query string: URLs end up in proxies' and servers' access logs.
/// </summary>
internal static class TokenCarrier
{
    public const string Protocol = "notifications.v1";
    public const string BearerPrefix = "bearer.";
    public const string QueryRefusal = "Send the token in the Sec-WebSocket-Protocol header (\"bearer.<token>\" beside \"notifications.v1\") or as Authorization: Bearer, never in the URL.";

    /// <param name="authorization">The Authorization header, if any.</param>
    /// <param name="offeredProtocols">Every Sec-WebSocket-Protocol value the client offered, each header already split at commas and trimmed.</param>
    public static CarriedToken Read(string? authorization, IReadOnlyList<string> offeredProtocols)
    {
        string? fromProtocol = null;
        bool ours = false;
        foreach (var offered in offeredProtocols)
        {
            if (offered == Protocol)
            {
                ours = true;
            }
            else if (offered.StartsWith(BearerPrefix, StringComparison.Ordinal))
            {
                if (fromProtocol is not null)
                    return Refuse("Offer one bearer.<token> subprotocol, not several.");
                fromProtocol = offered[BearerPrefix.Length..];
            }
        }
        if (fromProtocol is not null && !ours)
            return Refuse($"A bearer.<token> subprotocol must be offered beside \"{Protocol}\", the one the server answers with.");
        string? fromHeader = FromAuthorization(authorization, out var headerProblem);
        if (headerProblem is not null)
            return Refuse(headerProblem);
        if (fromProtocol is not null && fromHeader is not null)
            return Refuse("Send the token once: in the subprotocol or in Authorization, not both.");
        var token = fromProtocol ?? fromHeader;
        if (token is { Length: 0 })
            return Refuse("The token is empty.");
        return new CarriedToken(token, ours ? Protocol : null, null);
    }

    private static string? FromAuthorization(string? header, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(header))
            return null;
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = "Authorization must use the Bearer scheme.";
            return null;
        }
        return header[Scheme.Length..].Trim();
    }

    private static CarriedToken Refuse(string problem) => new(null, null, problem);
}
