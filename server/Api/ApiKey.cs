using System.Security.Cryptography;
using System.Text;
using Notifications.Channels;

namespace Notifications.Api;

/// <summary>
/// One accepted publish key: its <see cref="Name"/> (safe to log; it names the key's rate bucket and its
/// idempotency space), the SHA-256 of its secret (the secret itself is not kept), and the channels it may
/// publish to. Two keys may share a name: the same backend with an old and a new secret during a rotation.
/// </summary>
internal sealed class ApiKey
{
    private ApiKey(string name, byte[] secretHash, ChannelPatterns channels)
    {
        Name = name;
        SecretHash = secretHash;
        Channels = channels;
    }

    public string Name { get; }

    public byte[] SecretHash { get; }

    public ChannelPatterns Channels { get; }

    public static ApiKey FromSecret(string name, string secret, ChannelPatterns channels) => new(name, Hash(secret), channels);

    public static byte[] Hash(ReadOnlySpan<char> secret)
    {
        Span<byte> utf8 = secret.Length <= 512 ? stackalloc byte[secret.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(secret.Length)];
        int written = Encoding.UTF8.GetBytes(secret, utf8);
        return SHA256.HashData(utf8[..written]);
    }

    public override string ToString() => $"API key '{Name}'";
}
