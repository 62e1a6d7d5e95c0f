using System.Text.Json;
using System.Text.Json.Serialization;

namespace Notifications.Pusher.Apps;

/// <summary>One app as the JSON form of <c>PUSHER_APPS</c> writes it; a limit left out takes its <c>PUSHER_*</c> setting.</summary>
internal sealed record PusherAppEntry(
    string? Id,
    string? Key,
    string? Secret,
    bool? ClientEvents,
    int? ClientEventsPerSecond,
    int? MaxConnections,
    int? MaxChannelsPerConnection,
    int? MaxEventBytes,
    int? MaxBatchSize,
    int? MaxPresenceMembers,
    int? MaxUserInfoBytes);

// A misspelt limit must fail at boot rather than be ignored, hence Disallow.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PusherAppEntry[]))]
internal sealed partial class PusherAppsJsonContext : JsonSerializerContext;
