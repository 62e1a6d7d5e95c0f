using System.Text;
using Notifications.Pusher.Auth;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Requests signed by the Node <c>pusher</c> SDK 5.3.4 (its createSignedQueryString), checked by our verifier.</summary>
public sealed class ApiRequestVerifierTests
{
    private const string Body = """{"name":"a","channels":["c"],"data":"{}"}""";
    private const string PostQuery = "auth_key=app-key&auth_timestamp=1796185566&auth_version=1.0&body_md5=da43d5da86b1e6066ab05417c4120897&auth_signature=a4d9ba6aacf988a3a1af6104c02d82d18974351e89e9b5a994cb582b7584f7ad";
    private const string GetQuery = "auth_key=app-key&auth_timestamp=1796185566&auth_version=1.0&filter_by_prefix=presence-&info=user_count&auth_signature=c6ca261965ec76ce4655fe7a386270476c1258f1edf28a6113a9f7b9f5052d39";
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1796185566);

    private static ApiVerdict Post(string query, string body = Body, string appId = "1001", string path = "/apps/1001/events", DateTimeOffset? now = null) =>
        ApiRequestVerifier.Verify(PusherTestApps.Apps(), appId, "POST", path, "?" + query, Encoding.UTF8.GetBytes(body), now ?? SignedAt);

    [Fact]
    public void The_sdks_signed_post_and_get_are_accepted()
    {
        var post = Post(PostQuery);
        var get = ApiRequestVerifier.Verify(PusherTestApps.Apps(), "1001", "GET", "/apps/1001/channels", GetQuery, [], SignedAt);

        Assert.True(post.Accepted, post.Message);
        Assert.Equal("1001", post.App!.Id);
        Assert.True(get.Accepted, get.Message);
    }

    [Theory]
    [InlineData(-600, true)]
    [InlineData(600, true)]
    [InlineData(601, false)]
    [InlineData(-601, false)]
    public void The_timestamp_may_be_600_seconds_off_and_no_more(int offsetSeconds, bool accepted)
    {
        var verdict = Post(PostQuery, now: SignedAt.AddSeconds(offsetSeconds));

        Assert.Equal(accepted, verdict.Accepted);
        if (!accepted)
            Assert.Equal((ApiRefusal.ExpiredTimestamp, 401), (verdict.Refusal, verdict.Status));
    }

    [Fact]
    public void A_changed_body_fails_on_its_md5()
    {
        var verdict = Post(PostQuery, body: Body.Replace("\"c\"", "\"d\"", StringComparison.Ordinal));

        Assert.Equal((ApiRefusal.BodyMismatch, 401), (verdict.Refusal, verdict.Status));
    }

    [Fact]
    public void A_changed_parameter_or_path_or_method_fails_on_the_signature_and_says_what_should_have_been_signed()
    {
        var parameter = ApiRequestVerifier.Verify(PusherTestApps.Apps(), "1001", "GET", "/apps/1001/channels", GetQuery.Replace("presence-", "private-", StringComparison.Ordinal), [], SignedAt);
        var path = ApiRequestVerifier.Verify(PusherTestApps.Apps(), "1001", "GET", "/apps/1001/channels/x", GetQuery, [], SignedAt);
        var method = ApiRequestVerifier.Verify(PusherTestApps.Apps(), "1001", "POST", "/apps/1001/channels", GetQuery, [], SignedAt);

        Assert.All([parameter, path, method], v => Assert.Equal((ApiRefusal.BadSignature, 401), (v.Refusal, v.Status)));
        Assert.Contains(@"GET\n/apps/1001/channels\nauth_key=app-key&auth_timestamp=1796185566&auth_version=1.0&filter_by_prefix=private-&info=user_count", parameter.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("app-secret", parameter.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_signature_fails()
    {
        var verdict = Post(PostQuery.Replace("auth_signature=a4", "auth_signature=b4", StringComparison.Ordinal));

        Assert.Equal(ApiRefusal.BadSignature, verdict.Refusal);
    }

    [Fact]
    public void Another_apps_key_fails_and_an_unknown_app_is_404()
    {
        var wrongKey = Post(PostQuery, appId: "2002", path: "/apps/2002/events");
        var unknown = Post(PostQuery, appId: "3003", path: "/apps/3003/events");

        Assert.Equal((ApiRefusal.WrongKey, 401), (wrongKey.Refusal, wrongKey.Status));
        Assert.Equal((ApiRefusal.UnknownApp, 404), (unknown.Refusal, unknown.Status));
    }

    [Theory]
    [InlineData("auth_key")]
    [InlineData("auth_timestamp")]
    [InlineData("auth_version")]
    [InlineData("auth_signature")]
    public void Each_auth_parameter_is_required(string name)
    {
        string query = string.Join('&', PostQuery.Split('&').Where(p => !p.StartsWith(name + "=", StringComparison.Ordinal)));

        var verdict = Post(query);

        Assert.Equal((ApiRefusal.MissingParameter, 401), (verdict.Refusal, verdict.Status));
        Assert.Contains(name, verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_without_body_md5_a_repeated_parameter_and_another_auth_version_are_refused()
    {
        string withoutMd5 = string.Join('&', PostQuery.Split('&').Where(p => !p.StartsWith("body_md5=", StringComparison.Ordinal)));

        // The query is checked before the body is read: without the body_md5 it signed, its signature fails first.
        Assert.Equal((ApiRefusal.BadSignature, 401), (Post(withoutMd5).Refusal, Post(withoutMd5).Status));
        Assert.Equal(ApiRefusal.BodyMismatch, ApiRequestVerifier.CheckBody(new Dictionary<string, string>(), "{}"u8)!.Refusal);
        Assert.Equal(ApiRefusal.DuplicateParameter, Post(PostQuery + "&auth_key=app-key").Refusal);
        // Keys that differ in case are grouped by the query parser; auth_ with the Kelvin sign and ey only matches auth_key once
        // lowercased, where the signature check looks: one key named twice as well, not a 500.
        Assert.Equal((ApiRefusal.DuplicateParameter, 400), (Post(PostQuery + "&AUTH_KEY=app-key").Refusal, Post(PostQuery + "&AUTH_KEY=app-key").Status));
        Assert.Equal((ApiRefusal.DuplicateParameter, 400), (Post(PostQuery + "&auth_%E2%84%AAey=app-key").Refusal, Post(PostQuery + "&auth_%E2%84%AAey=app-key").Status));
        Assert.Equal(ApiRefusal.UnsupportedVersion, Post(PostQuery.Replace("auth_version=1.0", "auth_version=2.0", StringComparison.Ordinal)).Refusal);
    }

    [Fact]
    public void The_string_to_sign_lowercases_and_sorts_keys_and_leaves_out_the_signature()
    {
        string signed = ApiRequestVerifier.StringToSign("get", "/apps/1/channels",
            [new("info", "user_count,subscription_count"), new("auth_signature", "x"), new("auth_key", "k")]);

        Assert.Equal("GET\n/apps/1/channels\nauth_key=k&info=user_count,subscription_count", signed);
    }
}
