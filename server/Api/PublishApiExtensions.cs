using Notifications.Configuration;

namespace Notifications.Api;

public static class PublishApiExtensions
{
    public const string PublishPath = "/api/v1/publish";
    public const string BatchPath = "/api/v1/publish/batch";

    /// <summary>
    /// The publish API's parts. The host registers, besides, <see cref="PublishApiOptions"/> (validated at boot)
    /// and the <c>IChannelPublisher</c> that hands alerts to the outbound buffer.
    /// </summary>
    public static IServiceCollection AddPublishApi(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<PublishRateLimiter>();
        services.AddSingleton(_ => new IdempotencyLog());
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<PublishEndpoint>();
        return services;
    }

    /// <summary><c>POST /api/v1/publish</c> and <c>POST /api/v1/publish/batch</c>, described for the OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapPublishApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Publish");
        api.MapPost(PublishPath, (HttpContext context, PublishEndpoint endpoint) => endpoint.HandleOneAsync(context))
            .WithName("Publish")
            .WithSummary("Publish one alert to a channel")
            .WithDescription("Authorization: Bearer <key>. Answers 202 with the alert's id. An Idempotency-Key header or idempotencyKey field makes retries, to any instance, deliver once.")
            .Produces<PublishAccepted>(StatusCodes.Status202Accepted)
            .WithProblems(400, 401, 403, 404, 409, 413, 415, 429, 503);
        api.MapPost(BatchPath, (HttpContext context, PublishEndpoint endpoint) => endpoint.HandleBatchAsync(context))
            .WithName("PublishBatch")
            .WithSummary("Publish up to 100 alerts, each answered on its own")
            .WithDescription("Answers 202 when every alert was accepted, else 207; results are in the order of the alerts. 401, 413, 429 and 503 refuse the whole batch.")
            .Produces<PublishBatchAnswer>(StatusCodes.Status202Accepted)
            .Produces<PublishBatchAnswer>(StatusCodes.Status207MultiStatus)
            .WithProblems(400, 401, 404, 413, 415, 429, 503);
        return app;
    }

    private static RouteHandlerBuilder WithProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (int status in statuses)
            builder.ProducesProblem(status, ProblemAnswers.ContentType);
        return builder;
    }
}
