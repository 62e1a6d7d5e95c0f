using System.Security.Cryptography;
using System.Text;

namespace Notifications.Api;

/// <summary>
/// The alert id of an idempotent publish, the same on every instance with no shared store: a UUIDv8
/// (RFC 9562 §5.8) made of the first 128 bits of SHA-256 over the key's name and the idempotency key, with
/// the version and variant bits set. A retry to any instance mints the same id, and every instance already
/// drops an alert id it has delivered (Delivery's dedup), so the retry is delivered once.
/// </summary>
internal static class IdempotentIds
{
    // Versioned, so a change of derivation can never collide with ids minted by this one.
    private const string Domain = "notifications/publish-api/v1";

    public static string For(string keyName, string idempotencyKey)
    {
        // Names are [A-Za-z0-9_.-] and idempotency keys visible ASCII, so a newline separates them unambiguously.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Domain}\n{keyName}\n{idempotencyKey}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}
