using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Notifications.Api;
using Notifications.Channels;

namespace Notifications.Demo;

/// <summary>
/// The publish key the demo hands its job runners: named <c>demo</c>, limited to <c>user:</c> channels, and
/// derived from <c>AUTH_HS256_SECRET</c> (an HMAC of a fixed label), so every instance of a fleet accepts
/// the same key with nothing more to configure, and a runner may post to any of them.
/// </summary>
internal sealed class DemoKey
{
    public const string Name = "demo";
    private const string Label = "notifications demo publish key v1";

    public DemoKey(string hs256Secret)
    {
        Secret = Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hs256Secret), Encoding.UTF8.GetBytes(Label)));
        ChannelPatterns.TryParse(["user:*"], out var channels, out _);
        Key = ApiKey.FromSecret(Name, Secret, channels);
    }

    /// <summary>The key's secret, for the runner's environment only; never logged.</summary>
    public string Secret { get; }

    public ApiKey Key { get; }

    public override string ToString() => "[demo key]";
}
