using System.Text;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>UTF-8 checked piece by piece: valid text is valid cut anywhere, invalid text fails at the piece that makes it so.</summary>
public sealed class Utf8ValidatorTests
{
    /// <summary>Text with characters of every length, so some cut falls inside each kind.</summary>
    private static readonly byte[] Mixed = Encoding.UTF8.GetBytes("a é € 𝄞 👽 z \u07FF \uFFFD \U0010FFFF");

    [Fact]
    public void Valid_text_passes_however_it_is_cut_into_two_or_three_pieces()
    {
        for (int first = 0; first <= Mixed.Length; first++)
        {
            for (int second = first; second <= Mixed.Length; second++)
            {
                var validator = new Utf8Validator();
                Assert.True(validator.Append(Mixed.AsSpan(0, first)), $"cut at {first}");
                Assert.True(validator.Append(Mixed.AsSpan(first, second - first)), $"cut at {first}, {second}");
                Assert.True(validator.Append(Mixed.AsSpan(second)), $"cut at {first}, {second}");
                Assert.True(validator.AtCharacterBoundary);
            }
        }
    }

    [Fact]
    public void Valid_text_passes_one_byte_at_a_time_and_is_mid_character_only_between_a_character_s_bytes()
    {
        var validator = new Utf8Validator();
        for (int i = 0; i < Mixed.Length; i++)
        {
            Assert.True(validator.Append(Mixed.AsSpan(i, 1)), $"byte {i}");
            bool nextStartsCharacter = i + 1 == Mixed.Length || (Mixed[i + 1] & 0xC0) != 0x80;
            Assert.Equal(nextStartsCharacter, validator.AtCharacterBoundary);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x80 })] // overlong NUL
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 })] // overlong
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a UTF-16 surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0xF5, 0x80, 0x80, 0x80 })] // no such lead byte
    [InlineData(new byte[] { 0x80 })] // a continuation with no lead
    [InlineData(new byte[] { 0xC3, 0x28 })] // a lead whose continuation is missing
    [InlineData(new byte[] { 0xFF })]
    public void An_invalid_sequence_fails_in_the_piece_where_it_becomes_invalid(byte[] bad)
    {
        // Each invalid sequence is wrong by its second byte at the latest (or its first): one byte at a
        // time after some valid text, it must fail no later than there, not at the message's end.
        var validator = new Utf8Validator();
        Assert.True(validator.Append("ok "u8));
        int failedAt = -1;
        for (int i = 0; i < bad.Length && failedAt < 0; i++)
        {
            if (!validator.Append(bad.AsSpan(i, 1)))
                failedAt = i;
        }
        Assert.InRange(failedAt, 0, 1);
    }

    [Fact]
    public void A_message_may_not_end_inside_a_character()
    {
        var validator = new Utf8Validator();

        Assert.True(validator.Append([0x61, 0xE2, 0x82]));

        Assert.False(validator.AtCharacterBoundary);
        Assert.True(validator.Append([0xAC]));
        Assert.True(validator.AtCharacterBoundary);
    }

    [Fact]
    public void Whole_pieces_are_checked_by_the_runtime_s_validator()
    {
        var validator = new Utf8Validator();

        Assert.False(validator.Append(Encoding.UTF8.GetBytes("fine so far").Append((byte)0xC0).Append((byte)0xAF).Concat(Mixed).ToArray()));
    }
}
