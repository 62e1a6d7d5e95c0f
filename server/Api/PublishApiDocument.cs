using Microsoft.OpenApi;

namespace Notifications.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>): the publish API only, not the socket or health endpoints,
/// with its bearer key scheme. The request bodies are described here rather than with <c>Accepts</c>, whose
/// routing-level 415 would answer a wrong Content-Type before the endpoint could say why as problem+json.
/// </summary>
internal static class PublishApiDocument
{
    public const string SchemeName = "apiKey";

    public static IServiceCollection AddPublishApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Notifications publish API",
                    Version = "v1",
                    Description = "Publish alerts to channels from a backend. Errors are application/problem+json with a stable code (docs/api.md).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A key from PUBLISH_API_KEYS: Authorization: Bearer <secret>.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var body = context.Description.RelativePath switch
                {
                    "api/v1/publish" => typeof(PublishRequest),
                    "api/v1/publish/batch" => typeof(PublishBatchRequest),
                    _ => null,
                };
                if (body is null)
                    return;
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken) },
                    },
                };
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
            });
        });
}
