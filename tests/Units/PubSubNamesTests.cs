using Notifications.Bus.PubSub;

namespace Notifications.Tests.Units;

public sealed class PubSubNamesTests
{
    [Theory]
    [InlineData("e784079b449483", "ID_e784079b449483")]
    [InlineData("1234abc", "ID_1234abc")]
    [InlineData("a b/c:d", "ID_a-b-c-d")]
    public void Subscription_ids_are_prefixed_and_hold_only_what_PubSub_allows(string instance, string expected) =>
        Assert.Equal(expected, PubSubNames.SubscriptionIdFor(instance));

    [Fact]
    public void Subscription_ids_are_cut_to_255_characters() =>
        Assert.Equal(255, PubSubNames.SubscriptionIdFor(new string('a', 400)).Length);

    [Theory]
    [InlineData("AMS", "ams")]
    [InlineData("e784079b.449483", "e784079b_449483")]
    public void Label_values_are_lower_case_letters_digits_dashes_and_underscores(string value, string expected) =>
        Assert.Equal(expected, PubSubNames.LabelValue(value));
}
