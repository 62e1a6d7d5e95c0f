using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Notifications.Bench.Channels;

/// <summary>HS256 connection tokens for the bench's users, minted as an application's backend would (the server checks them).</summary>
internal static class BenchTokens
{
    /// <summary>The server's <c>AUTH_HS256_SECRET</c> in the channels scenario.</summary>
    public const string Secret = "bench-secret-of-at-least-thirty-two-bytes";

    /// <summary>The request header a client sends its token in: <c>Authorization: Bearer</c>, one line with its CRLF.</summary>
    public static string Header(string user) => $"Authorization: Bearer {For(user)}\r\n";

    public static string For(string user)
    {
        string head = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        string body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { sub = user, exp = DateTimeOffset.UtcNow.AddHours(6).ToUnixTimeSeconds() }));
        string signed = $"{head}.{body}";
        return $"{signed}.{Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(signed)))}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
