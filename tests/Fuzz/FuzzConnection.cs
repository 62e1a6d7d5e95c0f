using System.Net.WebSockets;
using Notifications.Tests.Infrastructure;

namespace Notifications.Tests.Fuzz;

/// <summary>
/// Sends generated frames over one socket at a time, checking each answer the protocol promises: an
/// error frame for each bad frame, a close for each frame that must end the connection (after which it
/// reconnects), and nothing but the alert itself for a valid one.
/// </summary>
internal sealed class FuzzConnection(Uri uri, FrameGenerator generator, string id)
{
    public int Sent { get; private set; }
    public int Errors { get; private set; }
    public int Closes { get; private set; }
    public List<string> Delivered { get; } = [];
    public Dictionary<string, int> Kinds { get; } = [];

    private static async Task AllErrorsArrivedAsync(TestSocket socket, int expected, List<string> sent)
    {
        try
        {
            await Eventually.TrueAsync(() => socket.OfType("error").Count() == expected, $"{expected} error frames arrived");
        }
        catch (TimeoutException)
        {
            var codes = socket.OfType("error").Select(e => e.GetProperty("code").GetString());
            throw new TimeoutException($"Expected {expected} error frames, got {socket.OfType("error").Count()} (close {socket.CloseStatus}). " +
                $"Codes: {string.Join(", ", codes)}. Frames sent: {string.Join(" | ", sent)}");
        }
    }

    public async Task<FuzzConnection> RunAsync(int frames)
    {
        var socket = await TestSocket.ConnectAsync(uri);
        int expectedErrors = 0;
        var pending = new List<string>();
        try
        {
            while (Sent < frames)
            {
                var frame = generator.Next(id);
                Kinds[frame.Kind] = Kinds.GetValueOrDefault(frame.Kind) + 1;
                if (frame.Expect == Expect.Closed)
                {
                    // Answers still queued would be dropped with the close: collect them first.
                    await AllErrorsArrivedAsync(socket, expectedErrors, pending);
                    await socket.SendAsync(frame.Bytes, frame.Type);
                    Sent++;
                    var status = await socket.WaitForCloseAsync();
                    Assert.True(status is null or WebSocketCloseStatus.MessageTooBig or WebSocketCloseStatus.InvalidPayloadData, $"{frame.Kind} closed with {status}");
                    Errors += expectedErrors;
                    Closes++;
                    await socket.DisposeAsync();
                    socket = await TestSocket.ConnectAsync(uri);
                    expectedErrors = 0;
                    pending.Clear();
                    continue;
                }
                await socket.SendAsync(frame.Bytes, frame.Type);
                Sent++;
                if (frame.Expect == Expect.ErrorFrame)
                {
                    expectedErrors++;
                    pending.Add($"{frame.Kind}: {System.Text.Encoding.UTF8.GetString(frame.Bytes.AsSpan(0, Math.Min(60, frame.Bytes.Length)))}");
                }
                else
                    Delivered.Add(frame.Marker!);
            }
            await AllErrorsArrivedAsync(socket, expectedErrors, pending);
            Errors += expectedErrors;
            return this;
        }
        finally
        {
            await socket.DisposeAsync();
        }
    }
}
