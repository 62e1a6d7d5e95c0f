using Microsoft.Extensions.Options;
using Notifications.Demo;

namespace Notifications.Configuration;

[OptionsValidator]
internal sealed partial class DemoAnnotationsValidator : IValidateOptions<DemoOptions>;

/// <summary>
/// The demo signs tokens and derives its publish key with <c>AUTH_HS256_SECRET</c>, so either switch needs it; a
/// <c>DEMO_JOB_RUNNER</c> or <c>DEMO_PUBLISH_URL</c> that cannot work, or a configured publish key named as the demo's, fails the boot. Runs beside <see cref="DemoAnnotationsValidator"/>.
/// </summary>
internal sealed class DemoOptionsValidator(IOptions<AuthOptions> auth, IOptions<PublishApiOptions> publish) : IValidateOptions<DemoOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if ((options.Enabled || options.DevTokens) && string.IsNullOrEmpty(auth.Value.Hs256Secret))
            builder.AddError($"{(options.Enabled ? "DEMO_ENABLED" : "DEV_TOKENS")} needs AUTH_HS256_SECRET: the demo signs its tokens and derives its publish key with it.");
        if (options.Enabled && JobRunnerLocation.Find(options.JobRunner, AppContext.BaseDirectory) is null)
        {
            builder.AddError(string.IsNullOrWhiteSpace(options.JobRunner)
                ? "DEMO_ENABLED found no job runner: build samples/JobRunner (dotnet build), or set DEMO_JOB_RUNNER to Notifications.JobRunner.dll."
                : $"DEMO_JOB_RUNNER names '{options.JobRunner}', which does not exist.");
        }
        // Two keys of one name would share a rate bucket and idempotency ids: one's retry could drop the other's alert.
        if (options.Enabled && Api.ApiKeysParser.Parse(publish.Value.Keys).Keys.Any(k => k.Name == DemoKey.Name))
            builder.AddError($"PUBLISH_API_KEYS has a key named '{DemoKey.Name}', the name of the demo's own publish key (DEMO_ENABLED): name it otherwise.");
        foreach (var url in options.PublishUrlList)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
                builder.AddError($"DEMO_PUBLISH_URL: '{url}' is not a base URL such as https://notifications.fly.dev or http://127.0.0.1:8081.");
        }
        return builder.Build();
    }
}
