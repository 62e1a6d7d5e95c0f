using System.Text.Json;
using Notifications.Pusher;
using Notifications.Pusher.Presence;

namespace Notifications.Tests.Units.Pusher;

public sealed class PresencePartsTests
{
    [Fact]
    public void The_sequence_tracker_advances_its_watermark_only_over_contiguous_numbers()
    {
        var seqs = new SequenceTracker();
        foreach (long s in new long[] { 1, 3, 4, 2, 2, 6 })
            seqs.Saw(s);

        Assert.Equal(4, seqs.Watermark);
        Assert.True(seqs.HasGap);
        seqs.CoveredUpTo(5);
        Assert.Equal(6, seqs.Watermark);
        Assert.False(seqs.HasGap);
    }

    [Fact]
    public void Local_presence_makes_a_delta_for_a_users_first_socket_and_last_only()
    {
        var local = new LocalPresence("i", 9);
        var member = new PresenceMember("u", null);

        var first = local.Join("c", "s1", member);
        Assert.Null(local.Join("c", "s2", member));
        Assert.Null(local.Leave("c", "s1", "u"));
        var last = local.Leave("c", "s2", "u");
        Assert.Null(local.Leave("c", "s2", "u"));

        Assert.Equal(("i", 9L, 1L, true), (first!.Instance, first.Epoch, first.Seq, first.Present));
        Assert.Equal((2L, false), (last!.Seq, last.Present));
        Assert.Equal((0, 0UL), (local.Count, local.Digest));
    }

    [Fact]
    public void A_state_split_into_parts_under_the_size_cap_comes_back_whole_in_any_order()
    {
        var info = JsonDocument.Parse($$"""{"bio":"{{new string('x', 900)}}"}""").RootElement.Clone();
        var entries = Enumerable.Range(0, 200).Select(i => new PresenceEntry("pusher:1:presence-room", $"user-{i}", info)).ToList();

        var parts = PresenceStateSplitter.Split("a", 1, 77, entries);
        var assembler = new PresenceStateAssembler();
        var results = parts.AsEnumerable().Reverse().Select(assembler.Add).ToList();

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(JsonSerializer.SerializeToUtf8Bytes(p, PusherBusJsonContext.Default.PresenceStatePart).Length < 60 * 1024));
        Assert.All(results.SkipLast(1), Assert.Null);
        Assert.Equal(entries.Select(e => e.UserId).Order(), results[^1]!.Members.Select(m => m.UserId).Order());
        Assert.Equal(77, results[^1]!.Seq);
    }

    [Fact]
    public void An_empty_state_is_one_part_and_a_newer_dump_drops_an_unfinished_older_one()
    {
        var assembler = new PresenceStateAssembler();
        var empty = PresenceStateSplitter.Split("a", 1, 3, []);

        Assert.Single(empty);
        Assert.Null(assembler.Add(new PresenceStatePart("a", 1, 4, 1, 2, [])));
        Assert.NotNull(assembler.Add(empty[0] with { Seq = 5 }));
        Assert.Null(assembler.Add(new PresenceStatePart("a", 1, 4, 2, 2, [])));
        Assert.Null(assembler.Add(new PresenceStatePart("a", 1, 6, 3, 2, [])));
    }
}
