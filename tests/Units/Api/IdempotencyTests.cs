using System.Security.Cryptography;
using System.Text;
using Notifications.Api;

namespace Notifications.Tests.Units.Api;

public sealed class IdempotentIdsTests
{
    [Fact]
    public void The_same_key_name_and_idempotency_key_give_the_same_id_anywhere()
    {
        Assert.Equal(IdempotentIds.For("laravel", "job-7-step-3"), IdempotentIds.For("laravel", "job-7-step-3"));
        Assert.NotEqual(IdempotentIds.For("laravel", "job-7-step-3"), IdempotentIds.For("laravel", "job-7-step-4"));
        Assert.NotEqual(IdempotentIds.For("laravel", "job-7-step-3"), IdempotentIds.For("billing", "job-7-step-3"));
        // A separator, not a concatenation: moving a character across the boundary changes the id.
        Assert.NotEqual(IdempotentIds.For("ab", "c"), IdempotentIds.For("a", "bc"));
    }

    [Fact]
    public void Ids_are_uuid_version_8_with_the_rfc_9562_variant()
    {
        var guid = Guid.Parse(IdempotentIds.For("laravel", "k"));
        Assert.Equal(8, guid.Version);
        Assert.Equal(0b10, guid.Variant >> 2);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", guid.ToString());
    }

    [Fact]
    public void The_id_is_the_documented_hash_with_version_and_variant_bits_set()
    {
        // docs/api.md: SHA-256 of "notifications/publish-api/v1\n<key name>\n<idempotency key>", first 16 bytes.
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes("notifications/publish-api/v1\nlaravel\njob-7-done"));
        string hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        string id = IdempotentIds.For("laravel", "job-7-done").Replace("-", "");

        Assert.Equal(hex[..12], id[..12]);
        Assert.Equal('8', id[12]);
        Assert.Equal(hex[13..16], id[13..16]);
        Assert.Equal((Convert.ToByte(hex[16..18], 16) & 0x3F) | 0x80, Convert.ToByte(id[16..18], 16));
        Assert.Equal(hex[18..], id[18..]);
    }
}

public sealed class IdempotencyLogTests
{
    private static readonly byte[] A = [1, 2, 3];
    private static readonly byte[] B = [1, 2, 4];

    [Fact]
    public void Knows_a_repeat_from_a_conflict()
    {
        var log = new IdempotencyLog();
        Assert.Equal(IdempotencyCheck.New, log.Check("id-1", A));
        log.Record("id-1", A);
        Assert.Equal(IdempotencyCheck.Repeat, log.Check("id-1", A));
        Assert.Equal(IdempotencyCheck.Conflict, log.Check("id-1", B));
        Assert.Equal(IdempotencyCheck.New, log.Check("id-2", A));
    }

    [Fact]
    public void Forgets_the_oldest_beyond_its_capacity()
    {
        var log = new IdempotencyLog(capacity: 2);
        log.Record("id-1", A);
        log.Record("id-2", A);
        log.Record("id-1", B); // already known: neither replaced nor counted again
        log.Record("id-3", A);

        Assert.Equal(IdempotencyCheck.New, log.Check("id-1", A));
        Assert.Equal(IdempotencyCheck.Repeat, log.Check("id-2", A));
        Assert.Equal(IdempotencyCheck.Repeat, log.Check("id-3", A));
    }
}
