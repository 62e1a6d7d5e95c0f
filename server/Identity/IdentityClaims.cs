using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Notifications.Channels;
using Notifications.Messages;

namespace Notifications.Identity;

/// <summary>
/// Reads a checked token's claims: <c>sub</c> (the user id; its <c>user:</c> channel must be a valid
/// channel name), <c>channels</c> and <c>publish</c> (arrays of channel patterns, or one pattern as a
/// string; both optional), and <c>exp</c>.
/// </summary>
internal static class IdentityClaims
{
    public const string Channels = "channels";
    public const string Publish = "publish";

    public static TokenCheck Read(JsonWebToken token)
    {
        var sub = token.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) ? subject : null;
        if (string.IsNullOrEmpty(sub))
            return Bad("The token needs a sub claim: the user id.");
        if (ChannelName.Problem(ChannelName.ForUser(sub)) is not null)
            return Bad($"The token's sub must be at most {ChannelName.MaxLength - ChannelName.UserPrefix.Length} ASCII letters, digits and : _ - . = @ , ; | (not ending in ':').");
        if (!TryPatterns(token, Channels, out var channels, out var problem) || !TryPatterns(token, Publish, out var publish, out problem))
            return Bad(problem!);
        return new TokenCheck(new ConnectionIdentity(sub, channels, publish, new DateTimeOffset(token.ValidTo, TimeSpan.Zero)), null);
    }

    private static bool TryPatterns(JsonWebToken token, string claim, out ChannelPatterns patterns, out string? problem)
    {
        patterns = ChannelPatterns.None;
        problem = null;
        if (!token.TryGetPayloadValue<object>(claim, out var value) || value is null)
            return true;
        if (Texts(value) is not { } texts)
        {
            problem = $"The token's {claim} claim must be an array of channel patterns.";
            return false;
        }
        if (ChannelPatterns.TryParse(texts, out patterns, out var patternProblem))
            return true;
        problem = $"The token's {claim} claim is malformed: {patternProblem}";
        return false;
    }

    /// <summary>The claim's strings: the library hands an array over as a list of objects, a lone string as itself.</summary>
    private static string?[]? Texts(object value) => value switch
    {
        string text => [text],
        JsonElement { ValueKind: JsonValueKind.String } element => [element.GetString()],
        JsonElement { ValueKind: JsonValueKind.Array } element when element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            element.EnumerateArray().Select(e => e.GetString()).ToArray(),
        System.Collections.IEnumerable items when items.Cast<object?>().All(i => i is string) => items.Cast<string>().ToArray(),
        _ => null,
    };

    private static TokenCheck Bad(string reason) => TokenCheck.Refuse(TokenProblem.Claims, reason);
}
