using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Notifications.Configuration;

/// <summary>Who this instance is: its Fly machine id and region, stamped on every alert it originates.</summary>
public sealed class InstanceOptions
{
    /// <summary>The instance id (<c>FLY_ALLOC_ID</c>); a random id when unset so local instances never collide.</summary>
    [ConfigurationKeyName("FLY_ALLOC_ID")]
    [Required(ErrorMessage = "FLY_ALLOC_ID is empty."), StringLength(128, ErrorMessage = "FLY_ALLOC_ID is longer than {1} characters."), RegularExpression(@"^[A-Za-z0-9._~+%-]+$",
        ErrorMessage = "FLY_ALLOC_ID may hold only letters, digits and . _ ~ + % -")]
    public string InstanceId { get; set; } = "";

    /// <summary>The region (<c>FLY_REGION</c>) shown to users as the alert's origin.</summary>
    [ConfigurationKeyName("FLY_REGION")]
    [Required(ErrorMessage = "FLY_REGION is empty."), StringLength(64, ErrorMessage = "FLY_REGION is longer than {1} characters."), RegularExpression(@"^[A-Za-z0-9._-]+$",
        ErrorMessage = "FLY_REGION may hold only letters, digits and . _ -")]
    public string Region { get; set; } = DefaultRegion;

    /// <summary>How long a graceful stop may take in all (<c>SHUTDOWN_TIMEOUT_SECONDS</c>): draining sockets and deleting the subscription.</summary>
    [ConfigurationKeyName("SHUTDOWN_TIMEOUT_SECONDS")]
    [Range(1, 300)]
    public int ShutdownTimeoutSeconds { get; set; } = DefaultShutdownTimeoutSeconds;

    public const string DefaultRegion = "local";
    public const int DefaultShutdownTimeoutSeconds = 10;

    /// <summary>A fresh random id, in the shape of Fly's machine ids (14 hex digits).</summary>
    public static string NewRandomId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 7));
}
