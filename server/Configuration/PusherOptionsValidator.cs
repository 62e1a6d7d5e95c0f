using Microsoft.Extensions.Options;
using Notifications.Pusher.Apps;

namespace Notifications.Configuration;

[OptionsValidator]
internal sealed partial class PusherAnnotationsValidator : IValidateOptions<PusherOptions>;

/// <summary>Checks <c>PUSHER_APPS</c> (its form, each app's id, key, secret and limits); runs beside <see cref="PusherAnnotationsValidator"/>.</summary>
internal sealed class PusherOptionsValidator : IValidateOptions<PusherOptions>
{
    public ValidateOptionsResult Validate(string? name, PusherOptions options)
    {
        var parse = PusherAppsParser.Parse(options);
        return parse.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(parse.Errors);
    }
}
