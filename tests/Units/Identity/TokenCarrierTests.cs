using Notifications.Identity;

namespace Notifications.Tests.Units.Identity;

public sealed class TokenCarrierTests
{
    [Fact]
    public void A_browser_offers_the_token_as_a_subprotocol_and_gets_ours_back()
    {
        var carried = TokenCarrier.Read(null, ["notifications.v1", "bearer.aaa.bbb.ccc"]);
        Assert.Equal(new CarriedToken("aaa.bbb.ccc", "notifications.v1", null), carried);
    }

    [Fact]
    public void A_backend_may_use_the_authorization_header()
    {
        Assert.Equal(new CarriedToken("aaa.bbb.ccc", null, null), TokenCarrier.Read("Bearer aaa.bbb.ccc", []));
        Assert.Equal(new CarriedToken("aaa.bbb.ccc", "notifications.v1", null), TokenCarrier.Read("bearer  aaa.bbb.ccc ", ["notifications.v1"]));
    }

    [Fact]
    public void No_token_at_all_is_an_anonymous_connection()
    {
        Assert.Equal(new CarriedToken(null, null, null), TokenCarrier.Read(null, []));
        Assert.Equal(new CarriedToken(null, "notifications.v1", null), TokenCarrier.Read(null, ["notifications.v1"]));
    }

    [Theory]
    [InlineData(null, new[] { "bearer.x" })]
    [InlineData(null, new[] { "notifications.v1", "bearer.x", "bearer.y" })]
    [InlineData("Bearer x", new[] { "notifications.v1", "bearer.y" })]
    [InlineData("Basic dXNlcjpwYXNz", new string[0])]
    [InlineData(null, new[] { "notifications.v1", "bearer." })]
    public void Ambiguous_or_misplaced_tokens_are_refused(string? authorization, string[] protocols)
    {
        var carried = TokenCarrier.Read(authorization, protocols);
        Assert.Null(carried.Token);
        Assert.NotNull(carried.Problem);
    }
}
