using System.Security.Cryptography;
using System.Text;

namespace Notifications.Pusher.Apps;

/// <summary>
/// An app's secret. It signs and checks Pusher's HMAC-SHA256 signatures and never shows itself:
/// <see cref="ToString"/> is redacted, so a record or log line that holds one cannot leak it.
/// </summary>
internal sealed class AppSecret(string secret)
{
    /// <summary>Pusher's own secrets are 20 random hex digits; a shorter one can be guessed offline from any signature a page is given.</summary>
    public const int AdvisedLength = 20;

    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    /// <summary>Whether the secret is as long as Pusher's own; the server warns at boot when not.</summary>
    public bool IsShort => secret.Length < AdvisedLength;

    /// <summary>The lowercase hex HMAC-SHA256 of <paramref name="text"/>'s UTF-8 bytes, as Pusher's libraries sign.</summary>
    public string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text)));

    /// <summary>Whether <paramref name="hexSignature"/> is the HMAC of <paramref name="text"/>, compared in constant time.</summary>
    public bool Verify(string text, ReadOnlySpan<char> hexSignature)
    {
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (hexSignature.Length != 2 * given.Length || Convert.FromHexString(hexSignature, given, out _, out _) != System.Buffers.OperationStatus.Done)
            return false;
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text), expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public override string ToString() => "[redacted]";
}
