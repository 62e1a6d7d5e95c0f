using System.Buffers.Binary;
using Notifications.WebSockets;

namespace Notifications.Tests.Units;

/// <summary>Which close codes a peer may send (RFC 6455 §7.4), in the manner of Autobahn's cases 7.7 and 7.9.</summary>
public sealed class CloseCodesTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1002)]
    [InlineData(1003)]
    [InlineData(1007)]
    [InlineData(1008)]
    [InlineData(1009)]
    [InlineData(1010)]
    [InlineData(1011)]
    [InlineData(1012)]
    [InlineData(1013)]
    [InlineData(1014)]
    [InlineData(3000)]
    [InlineData(3999)]
    [InlineData(4000)]
    [InlineData(4999)]
    public void Registered_and_private_codes_may_be_sent(int code)
    {
        Assert.Null(CloseCodes.CheckReceived(Body(code)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(1100)]
    [InlineData(2000)]
    [InlineData(2999)]
    [InlineData(5000)]
    [InlineData(65535)]
    public void Reserved_and_unassigned_codes_may_not(int code)
    {
        Assert.Contains(code.ToString(), CloseCodes.CheckReceived(Body(code)));
    }

    [Fact]
    public void A_reason_must_be_UTF8_and_an_empty_body_is_fine()
    {
        Assert.Null(CloseCodes.CheckReceived([]));
        Assert.Null(CloseCodes.CheckReceived([.. Body(1000), .. "bye 👋"u8]));
        Assert.NotNull(CloseCodes.CheckReceived([.. Body(1000), 0xC3, 0x28]));
        Assert.NotNull(CloseCodes.CheckReceived([0x03]));
    }

    private static byte[] Body(int code)
    {
        var body = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code);
        return body;
    }
}
