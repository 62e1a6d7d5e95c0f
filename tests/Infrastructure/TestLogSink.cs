using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Notifications.Tests.Infrastructure;

/// <summary>Sends a server's log events to the test's output, so a failure explains itself, and keeps them for assertions.</summary>
public sealed class TestLogSink(ITestOutputHelper? output, string name) : ILogEventSink
{
    /// <summary>Where lines go; a server shared by several tests is pointed at each test's output in turn.</summary>
    public ITestOutputHelper? Output { get; set; } = output;

    private static readonly MessageTemplateTextFormatter Formatter =
        new("{Timestamp:HH:mm:ss.fff} {Level:u3} [{Name}] {Message:lj}{NewLine}{Exception}");

    public ConcurrentQueue<LogEvent> Events { get; } = new();

    public void Emit(LogEvent logEvent)
    {
        Events.Enqueue(logEvent);
        logEvent.AddOrUpdateProperty(new LogEventProperty("Name", new ScalarValue(name)));
        using var text = new StringWriter();
        Formatter.Format(logEvent, text);
        try
        {
            Output?.WriteLine(text.ToString().TrimEnd());
        }
        catch (InvalidOperationException)
        {
            // The test already finished; a late shutdown line has nowhere to go.
        }
    }
}
