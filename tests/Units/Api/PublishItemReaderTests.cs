using System.Text.Json;
using Notifications.Api;

namespace Notifications.Tests.Units.Api;

public sealed class PublishItemReaderTests
{
    private static readonly ApiKey Everything = ApiKey.FromSecret("laravel", "laravel-secret-0123456789abcdef", ApiKeysTests.Patterns("*"));
    private static readonly ApiKey DeploysOnly = ApiKey.FromSecret("ci", "ci-secret-0123456789abcdef-ci", ApiKeysTests.Patterns("public:deploys"));
    private readonly PublishItemReader _reader = new(maxTextLength: 10, maxDataBytes: 40);

    private ItemRead Read(string json, ApiKey? key = null, string? header = null)
    {
        using var document = JsonDocument.Parse(json);
        return _reader.Read(document.RootElement, key ?? Everything, header);
    }

    [Fact]
    public void A_full_alert_is_read_trimmed_with_its_data_outliving_the_request_document()
    {
        var read = Read("""{"channel":"user:42","text":"  Done!  ","data":{"job":7,"percent":100},"idempotencyKey":"job-7-done"}""");

        var item = Assert.IsType<PublishItem>(read.Item);
        Assert.Equal("user:42", item.Channel);
        Assert.Equal("Done!", item.Text);
        Assert.Equal("job-7-done", item.IdempotencyKey);
        Assert.Equal("""{"job":7,"percent":100}""", item.Data!.Value.GetRawText());
        Assert.Equal(32, item.Fingerprint.Length);
    }

    [Theory]
    [InlineData("""[1]""", 400, "invalid_body")]
    [InlineData("""{"text":"hi"}""", 400, "invalid_body")]
    [InlineData("""{"channel":7,"text":"hi"}""", 400, "invalid_body")]
    [InlineData("""{"channel":"bad name","text":"hi"}""", 400, "invalid_channel")]
    [InlineData("""{"channel":":x","text":"hi"}""", 400, "invalid_channel")]
    [InlineData("""{"channel":"global"}""", 400, "text_required")]
    [InlineData("""{"channel":"global","text":"   "}""", 400, "text_required")]
    [InlineData("""{"channel":"global","text":5}""", 400, "invalid_body")]
    [InlineData("""{"channel":"global","text":"eleven char"}""", 400, "text_too_long")]
    [InlineData("""{"channel":"global","text":"hi","data":[1]}""", 400, "invalid_data")]
    [InlineData("""{"channel":"global","text":"hi","data":"x"}""", 400, "invalid_data")]
    [InlineData("""{"channel":"global","text":"hi","data":{"x":"0123456789012345678901234567890123"}}""", 413, "data_too_large")]
    [InlineData("""{"channel":"global","text":"hi","idempotencyKey":""}""", 400, "invalid_idempotency_key")]
    [InlineData("""{"channel":"global","text":"hi","idempotencyKey":"has space"}""", 400, "invalid_idempotency_key")]
    [InlineData("""{"channel":"global","text":"hi","idempotencyKey":7}""", 400, "invalid_idempotency_key")]
    [InlineData("""{"channel":"global","text":"hi","idempotency_key":"k"}""", 400, "invalid_body")]
    [InlineData("""{"channel":"global","text":"hi","id":"0193a1c2-7d7e-7c1a-9a51-5f3b7e0d2a11"}""", 400, "server_field")]
    [InlineData("""{"channel":"global","text":"hi","sentAt":"2026-01-01T00:00:00Z"}""", 400, "server_field")]
    [InlineData("""{"channel":"global","channel":"user:1","text":"hi"}""", 400, "invalid_body")]
    public void Each_fault_has_its_status_and_code(string json, int status, string code)
    {
        var problem = Assert.IsType<PublishProblem>(Read(json).Problem);
        Assert.Equal((status, code), (problem.Status, problem.Code));
        Assert.Equal("urn:notifications:problem:" + code, problem.Type);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
    }

    [Fact]
    public void A_key_limited_to_some_channels_is_refused_the_others_with_403()
    {
        Assert.NotNull(Read("""{"channel":"public:deploys","text":"hi"}""", DeploysOnly).Item);
        var problem = Read("""{"channel":"user:42","text":"hi"}""", DeploysOnly).Problem!;
        Assert.Equal((403, "channel_forbidden"), (problem.Status, problem.Code));
        Assert.Contains("'ci'", problem.Detail);
    }

    [Fact]
    public void An_invalid_channel_is_400_even_for_a_key_that_may_not_use_it()
    {
        var problem = Read("""{"channel":"user:","text":"hi"}""", DeploysOnly).Problem!;
        Assert.Equal(400, problem.Status);
    }

    [Fact]
    public void The_idempotency_key_may_come_in_the_header_and_must_agree_with_the_body()
    {
        Assert.Equal("k1", Read("""{"channel":"global","text":"hi"}""", header: "k1").Item!.IdempotencyKey);
        Assert.Equal("k1", Read("""{"channel":"global","text":"hi","idempotencyKey":"k1"}""", header: "k1").Item!.IdempotencyKey);
        Assert.Equal("invalid_idempotency_key", Read("""{"channel":"global","text":"hi","idempotencyKey":"k1"}""", header: "k2").Problem!.Code);
    }

    [Fact]
    public void No_data_is_accepted_when_the_cap_is_zero()
    {
        using var document = JsonDocument.Parse("""{"channel":"global","text":"hi","data":{}}""");
        var problem = new PublishItemReader(280, 0).Read(document.RootElement, Everything).Problem!;
        Assert.Equal((413, "data_too_large"), (problem.Status, problem.Code));
    }

    [Fact]
    public void The_fingerprint_tells_the_same_alert_from_another_but_not_from_its_formatting()
    {
        byte[] Print(string json) => Read(json).Item!.Fingerprint;
        var first = Print("""{"channel":"user:1","text":"hi","data":{"a":1},"idempotencyKey":"k"}""");

        Assert.Equal(first, Print("""{ "idempotencyKey":"k", "data": { "a" : 1 }, "text":" hi ", "channel":"user:1" }"""));
        Assert.NotEqual(first, Print("""{"channel":"user:1","text":"hi","data":{"a":2},"idempotencyKey":"k"}"""));
        Assert.NotEqual(first, Print("""{"channel":"user:1","text":"ho","data":{"a":1},"idempotencyKey":"k"}"""));
        Assert.NotEqual(first, Print("""{"channel":"user:2","text":"hi","data":{"a":1},"idempotencyKey":"k"}"""));
        Assert.NotEqual(first, Print("""{"channel":"user:1","text":"hi","idempotencyKey":"k"}"""));
    }
}
