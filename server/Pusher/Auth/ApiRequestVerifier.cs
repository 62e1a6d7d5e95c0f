using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Notifications.Pusher.Apps;

namespace Notifications.Pusher.Auth;

/// <summary>
/// Checks a request to Pusher's HTTP API as the server SDKs sign it: <c>auth_key</c> is the app's key,
/// <c>auth_timestamp</c> within 600 s of now, <c>auth_version</c> 1.0, <c>body_md5</c> the body's MD5 when
/// there is a body, and <c>auth_signature</c> the HMAC-SHA256 of <see cref="StringToSign"/>, compared in
/// constant time. Pure: the caller passes the clock's reading.
/// </summary>
internal static class ApiRequestVerifier
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(600);

    private static readonly string[] Required = ["auth_key", "auth_timestamp", "auth_version", "auth_signature"];

    /// <param name="appId">The <c>{app_id}</c> of the path.</param>
    /// <param name="path">The path as the client signed it, e.g. <c>/apps/1/events</c>.</param>
    /// <param name="query">The raw query string, with or without its leading '?'.</param>
    public static ApiVerdict Verify(PusherApps apps, string appId, string method, string path, string? query, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var verdict = VerifyQuery(apps, appId, method, path, query, now, out var values);
        return verdict.Accepted ? CheckBody(values!, body) ?? verdict : verdict;
    }

    /// <summary>
    /// Everything the query carries (key, timestamp, signature, which covers <c>body_md5</c>), so a request is
    /// known to come from the app before its body is read; <see cref="CheckBody"/> then checks the body against
    /// <paramref name="values"/>.
    /// </summary>
    public static ApiVerdict VerifyQuery(PusherApps apps, string appId, string method, string path, string? query, DateTimeOffset now,
        out IReadOnlyDictionary<string, string>? values)
    {
        values = null;
        if (apps.ById(appId) is not { } app)
            return ApiVerdict.Refuse(ApiRefusal.UnknownApp, 404, $"No app has the id '{appId}'.");
        var read = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in QueryHelpers.ParseQuery(query))
        {
            // The signature covers keys lowercased: two that lowercase alike (auth_key, and auth_ with the Kelvin sign and ey) are one key named twice.
            if (value.Count > 1 || !read.TryAdd(name.ToLowerInvariant(), value.ToString()))
                return ApiVerdict.Refuse(ApiRefusal.DuplicateParameter, 400, $"The query names '{name}' more than once.");
        }
        if (Required.FirstOrDefault(k => !read.ContainsKey(k)) is { } missing)
            return ApiVerdict.Refuse(ApiRefusal.MissingParameter, 401, $"The query has no {missing}; sign the request as Pusher's server libraries do.");
        values = read;
        return CheckKeyAndTime(app, read, now)
            ?? CheckSignature(app, method, path, read)
            ?? ApiVerdict.Accept(app);
    }

    /// <summary>What the signature covers: the method, the path, and the query without <c>auth_signature</c>, keys lowercased and sorted, values as sent (not URL-encoded).</summary>
    public static string StringToSign(string method, string path, IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('\n', method.ToUpperInvariant(), path, string.Join('&', query
            .Where(p => p.Key != "auth_signature")
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}")));

    private static ApiVerdict? CheckKeyAndTime(PusherApp app, IReadOnlyDictionary<string, string> values, DateTimeOffset now)
    {
        if (values["auth_key"] != app.Key)
            return ApiVerdict.Refuse(ApiRefusal.WrongKey, 401, "auth_key is not this app's key.");
        if (values["auth_version"] != "1.0")
            return ApiVerdict.Refuse(ApiRefusal.UnsupportedVersion, 401, $"auth_version '{values["auth_version"]}' is not supported; use 1.0.");
        long serverTime = now.ToUnixTimeSeconds();
        if (!long.TryParse(values["auth_timestamp"], NumberStyles.None, CultureInfo.InvariantCulture, out long timestamp)
            || Math.Abs(serverTime - timestamp) > (long)MaxClockSkew.TotalSeconds)
            return ApiVerdict.Refuse(ApiRefusal.ExpiredTimestamp, 401,
                $"Timestamp expired: auth_timestamp '{values["auth_timestamp"]}' is not within {MaxClockSkew.TotalSeconds:0} s of the server's time ({serverTime}).");
        return null;
    }

    /// <summary>Null when the body is what <c>body_md5</c> in the signed query says (or there is neither); else the refusal.</summary>
    public static ApiVerdict? CheckBody(IReadOnlyDictionary<string, string> values, ReadOnlySpan<byte> body)
    {
        bool given = values.TryGetValue("body_md5", out string? md5);
        if (body.IsEmpty && !given)
            return null;
        if (!given)
            return ApiVerdict.Refuse(ApiRefusal.BodyMismatch, 401, "The request has a body but no body_md5.");
        return string.Equals(md5, Convert.ToHexStringLower(MD5.HashData(body)), StringComparison.OrdinalIgnoreCase)
            ? null
            : ApiVerdict.Refuse(ApiRefusal.BodyMismatch, 401, "body_md5 is not the MD5 of the body.");
    }

    private static ApiVerdict? CheckSignature(PusherApp app, string method, string path, IReadOnlyDictionary<string, string> values)
    {
        string signed = StringToSign(method, path, values);
        return app.Secret.Verify(signed, values["auth_signature"])
            ? null
            : ApiVerdict.Refuse(ApiRefusal.BadSignature, 401,
                $"Invalid signature: expected the HMAC-SHA256 hex digest, keyed with the app's secret, of \"{signed.Replace("\n", "\\n", StringComparison.Ordinal)}\".");
    }
}

/// <summary>Why the HTTP API refused a request; <see cref="None"/> when it did not.</summary>
internal enum ApiRefusal
{
    None,
    UnknownApp,
    DuplicateParameter,
    MissingParameter,
    WrongKey,
    UnsupportedVersion,
    ExpiredTimestamp,
    BodyMismatch,
    BadSignature,
}

/// <summary>The verifier's answer: the app when accepted, else the HTTP status and a message for the caller.</summary>
internal sealed record ApiVerdict(PusherApp? App, ApiRefusal Refusal, int Status, string Message)
{
    public bool Accepted => Refusal == ApiRefusal.None;

    public static ApiVerdict Accept(PusherApp app) => new(app, ApiRefusal.None, 200, "");

    public static ApiVerdict Refuse(ApiRefusal refusal, int status, string message) => new(null, refusal, status, message);
}
