using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Api;

/// <summary>
/// The keys the publish API accepts: those of <c>PUBLISH_API_KEYS</c> (checked at boot), and any the host
/// adds (the demo's). A presented secret is hashed and compared with every key's hash in constant time, so
/// how long a refusal takes says nothing about how close a guess came.
/// </summary>
internal sealed class ApiKeys
{
    /// <summary>Longer than any key this server accepts; a longer header is refused unhashed.</summary>
    public const int MaxSecretLength = ApiKeysParser.MaxSecretLength;

    private readonly ApiKey[] _keys;

    public ApiKeys(IOptions<PublishApiOptions> options, IEnumerable<ApiKey> added)
    {
        // A bad setting stops the boot (PublishApiOptionsValidator); it cannot get this far.
        _keys = [.. ApiKeysParser.Parse(options.Value.Keys).Keys, .. added];
    }

    /// <summary>Whether any key is configured: with none, the API is off.</summary>
    public bool Enabled => _keys.Length > 0;

    /// <summary>The key whose secret this is, or null.</summary>
    public ApiKey? Find(ReadOnlySpan<char> secret)
    {
        if (secret.IsEmpty || secret.Length > MaxSecretLength)
            return null;
        byte[] hash = ApiKey.Hash(secret);
        ApiKey? found = null;
        foreach (var key in _keys)
        {
            // No early exit: every key is compared, whichever matches.
            if (CryptographicOperations.FixedTimeEquals(hash, key.SecretHash))
                found = key;
        }
        return found;
    }

    /// <summary>The secret of an <c>Authorization: Bearer &lt;secret&gt;</c> header (scheme in any case), or empty.</summary>
    public static ReadOnlySpan<char> BearerSecret(string? authorization)
    {
        var value = authorization.AsSpan().Trim();
        const string Scheme = "Bearer ";
        if (value.Length <= Scheme.Length || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return [];
        return value[Scheme.Length..].Trim();
    }
}
