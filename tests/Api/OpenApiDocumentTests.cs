using System.Text.Json;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Api;

/// <summary>The OpenAPI document the server serves describes the publish API, its bodies, answers and key, and nothing else.</summary>
public sealed class OpenApiDocumentTests(ITestOutputHelper output)
{
    [Fact(Timeout = 30_000)]
    public async Task The_server_serves_an_openapi_document_of_the_publish_api()
    {
        var settings = TestInstance.StandaloneSettings();
        settings["PUBLISH_API_KEYS"] = $"laravel:{ApiTestHost.Laravel}";
        await using var instance = await TestInstance.StartAsync(settings, output);
        using var http = new HttpClient { BaseAddress = instance.BaseUri };

        using var response = await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        output.WriteLine(text);
        var document = JsonDocument.Parse(text).RootElement;

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["/api/v1/publish", "/api/v1/publish/batch"], paths);
        var publish = document.GetProperty("paths").GetProperty("/api/v1/publish").GetProperty("post");
        Assert.Equal("Publish", publish.GetProperty("operationId").GetString());
        var responses = publish.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "202", "400", "401", "403", "409", "413", "415", "429", "503" }, responses);
        Assert.True(publish.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(publish.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(publish.TryGetProperty("security", out _));
        var schema = publish.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        if (schema.TryGetProperty("$ref", out var reference))
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        Assert.Equal(["channel", "data", "idempotencyKey", "text"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(["channel", "text"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey").GetProperty("scheme").GetString());
    }
}
