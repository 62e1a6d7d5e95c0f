using Microsoft.Extensions.Options;
using Notifications.Channels;
using Notifications.Configuration;
using Notifications.Identity;
using Notifications.Messages;
using static Notifications.Tests.Units.Identity.TestTokens;

namespace Notifications.Tests.Units.Identity;

public sealed class RefreshTests
{
    private readonly TokenValidator _validator = Validator(new AuthOptions { Hs256Secret = Secret }).Validator;
    private readonly ChannelPolicy _policy = new(Options.Create(new ChannelOptions()));

    private async Task<ConnectionIdentity> IdentityAsync(string sub, string[] channels, TimeSpan? expiresIn = null) =>
        (await _validator.CheckAsync(Hs256(Claims(sub, expiresIn, ("channels", channels))))).Identity!;

    [Fact]
    public async Task A_narrowing_refresh_names_the_channels_to_leave_and_extends_the_deadline()
    {
        var before = await IdentityAsync("42", ["team:1", "team:2", "job:*"], TimeSpan.FromMinutes(5));
        var after = await IdentityAsync("42", ["team:1"], TimeSpan.FromHours(1));
        string[] joined = ["user:42", "team:1", "team:2", "job:7", "public:lobby"];

        Assert.True(IdentityRefresh.Check(before, after).Allowed);
        Assert.Equal(["team:2", "job:7"], _policy.NoLongerAllowed(after, joined));
        Assert.True(IdentityRefresh.Deadline(after, TimeSpan.FromSeconds(30)) > IdentityRefresh.Deadline(before, TimeSpan.FromSeconds(30)));
        Assert.Equal(Now.AddHours(1).AddSeconds(30), IdentityRefresh.Deadline(after, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_refresh_cannot_change_the_user_or_sign_in_an_anonymous_connection()
    {
        var mine = await IdentityAsync("A", []);
        var theirs = await IdentityAsync("B", ["*"]);

        Assert.Equal(ErrorCodes.TokenMismatch, IdentityRefresh.Check(mine, theirs).Code);
        Assert.Equal(ErrorCodes.TokenMismatch, IdentityRefresh.Check(null, mine).Code);
    }

    [Fact]
    public void The_expiry_close_code_is_an_application_code() =>
        Assert.InRange(IdentityRefresh.ExpiredCloseCode, 4000, 4999);
}
