using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Notifications.Configuration;

/// <summary>
/// Runs the attribute checks generated for an options class and names each failure by its setting
/// (<c>ALERT_MAX_LENGTH must be between 1 and 10000.</c>), not by its property: an operator sets environment
/// variables, and two classes have a <c>WindowSize</c>. The generated range check ignores an attribute's own
/// <c>ErrorMessage</c>, so the names are put in here, once, for every attribute.
/// </summary>
internal sealed class SettingNames<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
    IValidateOptions<TOptions> checks) : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly (string Property, string Setting)[] Names =
    [
        .. from property in typeof(TOptions).GetProperties()
           let setting = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name
           where setting is not null
           select (property.Name, setting),
    ];

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var result = checks.Validate(name, options);
        return result.Failed ? ValidateOptionsResult.Fail(result.Failures!.Select(Rename)) : result;
    }

    /// <summary><c>MaxTextLength: The field ConnectionOptions.MaxTextLength must be …</c> as <c>ALERT_MAX_LENGTH must be …</c>.</summary>
    public static string Rename(string failure)
    {
        foreach (var (property, setting) in Names)
        {
            string prefix = property + ": ";
            if (!failure.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            string message = failure[prefix.Length..].Replace($"The field {typeof(TOptions).Name}.{property}", setting, StringComparison.Ordinal);
            return message.StartsWith(setting, StringComparison.Ordinal) ? message : $"{setting}: {message}";
        }
        return failure;
    }
}
