using Notifications.Pusher.Auth;
using Notifications.Pusher.Channels;

namespace Notifications.Tests.Units.Pusher;

/// <summary>Signatures made by the Node <c>pusher</c> SDK 5.3.4 (authorizeChannel, authenticateUser), as Laravel's /broadcasting/auth makes them.</summary>
public sealed class ChannelAuthorizerTests
{
    private const string PrivateAuth = "app-key:2fff026ef2d817e60876c4ba3c6d3ca7d6f612166febe1cb37f28076a616c906";
    private const string PresenceData = """{"user_id":7,"user_info":{"name":"Ada"}}""";
    private const string PresenceAuth = "app-key:e7c5c2630e1ed89a2e396550072481a31f6f6d70b9506fb1b9ab1923cb5a6d23";
    private const string UserData = """{"id":"u1","name":"Ada"}""";
    private const string SigninAuth = "app-key:543cb56c891198f3bc4c37c9dbd72f8cfa7ff0ee1c23453084dff974aaa8ebee";

    private static PusherChannel Channel(string name) => PusherChannel.TryParse(name, out var channel) ? channel : throw new ArgumentException(name);

    [Fact]
    public void The_sdks_signatures_authorize_their_socket_on_their_channel()
    {
        var app = PusherTestApps.App();

        Assert.Null(ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.5"), PrivateAuth, null));
        Assert.Null(ChannelAuthorizer.Check(app, "123.456", Channel("presence-room"), PresenceAuth, PresenceData));
        Assert.Null(ChannelAuthorizer.CheckSignin(app, "123.456", UserData, SigninAuth));
    }

    [Fact]
    public void A_private_channel_signed_with_custom_data_verifies_with_that_data_as_the_server_sdks_sign_it()
    {
        var app = PusherTestApps.App();
        const string Custom = """{"x":1}""";
        string withData = "app-key:" + app.Secret.Sign($"123.456:private-orders.5:{Custom}");

        Assert.Null(ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.5"), withData, Custom));
        Assert.Null(ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.5"), PrivateAuth, Custom));
        Assert.StartsWith("Invalid signature", ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.5"), withData, """{"x":2}"""));
        Assert.StartsWith("Invalid signature", ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.5"), withData, null));
    }

    [Fact]
    public void Another_socket_channel_or_channel_data_does_not_verify()
    {
        var app = PusherTestApps.App();

        Assert.StartsWith("Invalid signature", ChannelAuthorizer.Check(app, "123.457", Channel("private-orders.5"), PrivateAuth, null));
        Assert.StartsWith("Invalid signature", ChannelAuthorizer.Check(app, "123.456", Channel("private-orders.6"), PrivateAuth, null));
        Assert.StartsWith("Invalid signature", ChannelAuthorizer.Check(app, "123.456", Channel("presence-room"), PresenceAuth, PresenceData.Replace("Ada", "Eve", StringComparison.Ordinal)));
        Assert.StartsWith("Invalid signature", ChannelAuthorizer.CheckSignin(app, "123.456", UserData.Replace("u1", "u2", StringComparison.Ordinal), SigninAuth));
    }

    [Fact]
    public void Missing_malformed_and_foreign_key_auth_are_refused_with_reasons()
    {
        var app = PusherTestApps.App();
        var channel = Channel("private-orders.5");

        Assert.Contains("needs auth", ChannelAuthorizer.Check(app, "123.456", channel, null, null));
        Assert.Contains("key:signature", ChannelAuthorizer.Check(app, "123.456", channel, "nocolon", null));
        Assert.Contains("another app key", ChannelAuthorizer.Check(app, "123.456", channel, PrivateAuth.Replace("app-key", "other-key", StringComparison.Ordinal), null));
        Assert.Contains("channel_data", ChannelAuthorizer.Check(app, "123.456", Channel("presence-room"), PresenceAuth, null));
    }

    [Fact]
    public void An_encrypted_channel_is_authorized_like_a_private_one_ignoring_channel_data()
    {
        var app = PusherTestApps.App();
        var channel = Channel("private-encrypted-doc");
        string auth = "app-key:" + app.Secret.Sign("123.456:private-encrypted-doc");

        Assert.Null(ChannelAuthorizer.Check(app, "123.456", channel, auth, """{"ignored":true}"""));
    }
}
