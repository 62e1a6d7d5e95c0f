using System.Text.Json.Serialization;

namespace Notifications.Samples.JobRunner;

/// <summary>One publish request: the channel, the text a page shows, the progress as data, and the report's idempotency key.</summary>
internal sealed record PublishBody(string Channel, string Text, JobProgress Data, string IdempotencyKey);

/// <summary>The job's progress, as the demo page reads it from an alert's <c>data</c>.</summary>
internal sealed record JobProgress(string Job, int Step, int Steps, int Percent, string Label, string State, JobResult? Result);

/// <summary>What the finished job made.</summary>
internal sealed record JobResult(string File, double SizeMb);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishBody))]
internal sealed partial class JobJsonContext : JsonSerializerContext;
