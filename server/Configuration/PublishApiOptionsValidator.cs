using Microsoft.Extensions.Options;
using Notifications.Api;

namespace Notifications.Configuration;

[OptionsValidator]
internal sealed partial class PublishApiAnnotationsValidator : IValidateOptions<PublishApiOptions>;

/// <summary>Checks <c>PUBLISH_API_KEYS</c> (its form, each key's name, secret and channels, rotations); runs beside <see cref="PublishApiAnnotationsValidator"/>.</summary>
internal sealed class PublishApiOptionsValidator : IValidateOptions<PublishApiOptions>
{
    public ValidateOptionsResult Validate(string? name, PublishApiOptions options)
    {
        var parse = ApiKeysParser.Parse(options.Keys);
        return parse.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(parse.Errors);
    }
}
