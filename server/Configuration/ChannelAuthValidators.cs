using System.Text;
using Microsoft.Extensions.Options;
using Notifications.Channels;
using Notifications.Identity;
using Notifications.Messages;

namespace Notifications.Configuration;

[OptionsValidator]
internal sealed partial class ChannelAnnotationsValidator : IValidateOptions<ChannelOptions>;

/// <summary>CHANNELS_CLIENT_PUBLISH must be a list of valid patterns, none reaching into <c>user:</c>; runs beside <see cref="ChannelAnnotationsValidator"/>.</summary>
internal sealed class ChannelOptionsValidator : IValidateOptions<ChannelOptions>
{
    public ValidateOptionsResult Validate(string? name, ChannelOptions options)
    {
        if (!ChannelPatterns.TryParseList(options.ClientPublish, out var patterns, out var problem))
            return ValidateOptionsResult.Fail($"CHANNELS_CLIENT_PUBLISH: {problem}");
        var reaching = patterns.Items.Where(p => p.Reaches(ChannelName.UserPrefix)).Select(p => p.Text).ToList();
        return reaching.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"CHANNELS_CLIENT_PUBLISH may not reach user channels ({string.Join(", ", reaching)}): clients never publish to user:. List the namespaces instead, e.g. global,public:*.");
    }
}

[OptionsValidator]
internal sealed partial class AuthAnnotationsValidator : IValidateOptions<AuthOptions>;

/// <summary>Rules across the AUTH_* settings, and the key material itself: a bad key fails the boot, not the first token; runs beside <see cref="AuthAnnotationsValidator"/>.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.Required && !options.AnyKeyConfigured)
            builder.AddError("AUTH_REQUIRED is true but no key is set: set AUTH_HS256_SECRET, AUTH_PUBLIC_KEY_FILE or AUTH_JWKS_URL.");
        if (!string.IsNullOrEmpty(options.Hs256Secret) && Encoding.UTF8.GetByteCount(options.Hs256Secret) is var bytes && bytes < AuthOptions.MinHs256SecretBytes)
            builder.AddError($"AUTH_HS256_SECRET is {bytes} bytes; HS256 needs at least {AuthOptions.MinHs256SecretBytes} (e.g. openssl rand -base64 48).");
        if (!string.IsNullOrWhiteSpace(options.PublicKeyFile) && PublicKeyFileProblem(options.PublicKeyFile) is { } fileProblem)
            builder.AddError(fileProblem);
        if (!string.IsNullOrWhiteSpace(options.JwksUrl) && JwksProblem(options.JwksUrl.Trim()) is { } jwksProblem)
            builder.AddError(jwksProblem);
        if (options.Issuer is { } issuer && issuer.Length > 0 && string.IsNullOrWhiteSpace(issuer))
            builder.AddError("AUTH_ISSUER is blank; unset it to skip the issuer check.");
        // Public keys are seldom ours alone: an identity provider's key set signs tokens for every app it serves, with
        // the same sub for the same person, so without these checks another app's token would open this user's channel.
        bool jwks = !string.IsNullOrWhiteSpace(options.JwksUrl), pem = !string.IsNullOrWhiteSpace(options.PublicKeyFile);
        if (options.Audience is { Length: > 0 } audience && audience.Split(',').Any(string.IsNullOrWhiteSpace))
            builder.AddError($"AUTH_AUDIENCE '{audience}' has an empty entry; give one or more aud values, separated by commas, or unset it.");
        else if ((jwks || pem) && options.Audiences.Length == 0)
            builder.AddError($"{(jwks ? "AUTH_JWKS_URL" : "AUTH_PUBLIC_KEY_FILE")} is set but AUTH_AUDIENCE is not: public keys may sign tokens for other apps too, so set the aud this server's tokens carry.");
        if (jwks && string.IsNullOrWhiteSpace(options.Issuer))
            builder.AddError("AUTH_JWKS_URL is set but AUTH_ISSUER is not: a provider's key set may serve several issuers (tenants), so set the iss this server's tokens carry.");
        return builder.Build();
    }

    private static string? PublicKeyFileProblem(string path)
    {
        if (!File.Exists(path))
            return $"AUTH_PUBLIC_KEY_FILE names '{path}', which does not exist.";
        try
        {
            PemKeys.Load(File.ReadAllText(path));
            return null;
        }
        catch (FormatException e)
        {
            return $"AUTH_PUBLIC_KEY_FILE '{path}': {e.Message}.";
        }
    }

    /// <summary>A URL is only checked for its form here (the network may not be up at boot); a file is read and parsed.</summary>
    private static string? JwksProblem(string location)
    {
        if (JwksLocation.Problem(location) is { } problem)
            return problem;
        if (JwksLocation.IsUrl(location))
            return null;
        try
        {
            JwksDocument.Parse(File.ReadAllText(location));
            return null;
        }
        catch (FormatException e)
        {
            return $"AUTH_JWKS_URL file '{location}': {e.Message}.";
        }
    }
}
