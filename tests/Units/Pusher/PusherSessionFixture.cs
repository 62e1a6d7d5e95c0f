using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Notifications.Configuration;
using Notifications.Pusher.Events;
using Notifications.Pusher.Presence;
using Notifications.Pusher.Session;

namespace Notifications.Tests.Units.Pusher;

/// <summary>A session on socket 123.456 of app 1001 (the reference vectors' socket and app), with recording fakes around it.</summary>
internal sealed class PusherSessionFixture
{
    public const string SocketId = "123.456";

    public PusherSessionFixture(Action<PusherOptions>? configure = null)
    {
        Roster = new PresenceRoster("i", 1, Outlet, Clock, TimeSpan.FromSeconds(5));
        Session = New(SocketId, configure);
    }

    public FakeTimeProvider Clock { get; } = new();
    public Sink Frames { get; } = new();
    public Rooms Channels { get; } = new();
    public RecordingOutlet Outlet { get; } = new();
    public PresenceRoster Roster { get; }
    public PusherSession Session { get; }

    /// <summary>Another session on the same instance, sharing the roster.</summary>
    public PusherSession New(string socketId, Action<PusherOptions>? configure = null, Sink? sink = null, Rooms? rooms = null) =>
        new(PusherTestApps.App(configure), socketId, 30, sink ?? Frames, rooms ?? Channels, Roster, Clock);

    public void Send(string json) => Session.Receive(Encoding.UTF8.GetBytes(json));

    public sealed class Sink : IPusherSink
    {
        public List<JsonElement> Sent { get; } = [];
        public (int Code, string Reason)? Closed { get; private set; }

        public void Send(byte[] frame) => Sent.Add(JsonDocument.Parse(frame).RootElement.Clone());

        public void Close(int code, string reason) => Closed = (code, reason);

        public string[] Events => [.. Sent.Select(f => f.GetProperty("event").GetString()!)];

        public JsonElement Last(string eventName) => Sent.Last(f => f.GetProperty("event").GetString() == eventName);

        /// <summary>The <c>data</c> of the last such frame, decoded when it is a JSON string.</summary>
        public JsonElement Data(string eventName)
        {
            var data = Last(eventName).GetProperty("data");
            return data.ValueKind == JsonValueKind.String ? JsonDocument.Parse(data.GetString()!).RootElement.Clone() : data;
        }

        public int ErrorCode => Last("pusher:error").GetProperty("data").GetProperty("code").GetInt32();
    }

    public sealed class Rooms : IPusherRooms
    {
        public List<string> Log { get; } = [];
        public List<PusherEvent> Published { get; } = [];

        public void Join(string channel) => Log.Add("join " + channel);

        public void Leave(string channel) => Log.Add("leave " + channel);

        public void Publish(PusherEvent clientEvent) => Published.Add(clientEvent);
    }
}
