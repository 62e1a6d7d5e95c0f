using Notifications.Bus.PubSub;

namespace Notifications.Tests.Units;

public sealed class PubSubNamesTests
{
    private const string Boot = "0a1b2c3d";

    [Theory]
    [InlineData("e784079b449483", "ID_e784079b449483_0a1b2c3d")]
    [InlineData("1234abc", "ID_1234abc_0a1b2c3d")]
    [InlineData("a b/c:d", "ID_a-b-c-d_0a1b2c3d")]
    public void Subscription_ids_are_prefixed_end_in_the_boot_and_hold_only_what_PubSub_allows(string instance, string expected) =>
        Assert.Equal(expected, PubSubNames.SubscriptionIdFor(instance, Boot));

    [Fact]
    public void Subscription_ids_are_cut_to_255_characters_with_the_boot_kept_whole()
    {
        string id = PubSubNames.SubscriptionIdFor(new string('a', 400), Boot);

        Assert.Equal(255, id.Length);
        Assert.EndsWith("_" + Boot, id);
    }

    [Fact]
    public void Each_boot_is_eight_lower_case_hex_digits_and_new()
    {
        var boots = Enumerable.Range(0, 100).Select(_ => PubSubNames.NewBoot()).ToList();

        Assert.All(boots, b => Assert.Matches("^[0-9a-f]{8}$", b));
        Assert.Equal(boots.Count, boots.Distinct().Count());
    }

    [Theory]
    [InlineData("e784079b449483")]
    [InlineData("a_b")]
    [InlineData("a_0a1b2c3d")]
    public void The_instance_part_of_an_id_is_what_every_life_of_that_machine_shares(string instance)
    {
        string part = PubSubNames.InstancePartFor(instance);

        Assert.Equal(part, PubSubNames.InstancePartOf(PubSubNames.SubscriptionIdFor(instance, Boot)));
        Assert.Equal(part, PubSubNames.InstancePartOf(PubSubNames.SubscriptionIdFor(instance, PubSubNames.NewBoot())));
    }

    [Fact]
    public void A_machine_whose_id_looks_like_another_with_a_boot_is_not_taken_for_it()
    {
        string other = PubSubNames.SubscriptionIdFor("a_0a1b2c3d", "deadbeef");

        Assert.NotEqual(PubSubNames.InstancePartFor("a"), PubSubNames.InstancePartOf(other));
    }

    [Theory]
    [InlineData("ID_e784079b449483")]
    [InlineData("ID_e784079b449483_0A1B2C3D")]
    [InlineData("ID_e784079b449483-0a1b2c3d")]
    [InlineData("ID__0a1b2c3d")]
    [InlineData("ID_")]
    public void An_id_without_a_boot_suffix_is_its_own_instance_part(string id) =>
        Assert.Equal(id, PubSubNames.InstancePartOf(id));

    [Fact]
    public void A_long_instance_id_has_the_same_part_in_every_life()
    {
        string instance = new('a', 400);

        Assert.Equal(PubSubNames.InstancePartFor(instance), PubSubNames.InstancePartOf(PubSubNames.SubscriptionIdFor(instance, Boot)));
    }

    [Theory]
    [InlineData("AMS", "ams")]
    [InlineData("e784079b.449483", "e784079b_449483")]
    public void Label_values_are_lower_case_letters_digits_dashes_and_underscores(string value, string expected) =>
        Assert.Equal(expected, PubSubNames.LabelValue(value));
}
