using Grpc.Core;

namespace Notifications.Bus;

/// <summary>Where one side of the bus stands.</summary>
public enum SideState
{
    /// <summary>Not up yet, and nothing has failed: starting, or a stream reopening after a routine end.</summary>
    Pending,

    /// <summary>Working: the subscription exists, the stream is open, or the last publish succeeded.</summary>
    Up,

    /// <summary>Pub/Sub refused or did not answer its last call; retrying.</summary>
    Failing,
}

/// <summary>
/// One side of the bus (setup, receive stream, publishing) as health reports it. It logs one warning
/// when a failure episode starts, naming the gRPC status, and one line when it ends; repeats in between
/// go to Debug, so an outage of any length costs two lines per side.
/// </summary>
public sealed partial class BusSide
{
    private readonly Lock _gate = new();
    private readonly string _name;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly Action<StatusCode> _failed;
    private SideState _state = SideState.Pending;
    private string _pending;
    private StatusCode _status;
    private string _detail = "";
    private long _failingSince;
    // When the call whose outcome set the state started: outcomes of calls that started before it are older news.
    private long _latestStart = long.MinValue;
    private long _upSince = -1;
    private int _failures;

    internal BusSide(string name, string pending, TimeProvider clock, ILogger logger, Action changed, Action<StatusCode> failed)
    {
        (_name, _pending, _clock, _logger, _changed, _failed) = (name, pending, clock, logger, changed, failed);
    }

    public SideState State => _state;
    public bool IsUp => _state == SideState.Up;

    /// <summary>When (a timestamp) this side last came up; -1 while it is not up.</summary>
    public long UpSince => _state == SideState.Up ? Volatile.Read(ref _upSince) : -1;

    /// <summary>The status of the failure in progress; null unless failing.</summary>
    public StatusCode? FailingWith => _state == SideState.Failing ? _status : null;

    /// <summary>Not up, for a reason that is no failure (yet): logged at Debug only.</summary>
    public void Pending(string why)
    {
        lock (_gate)
        {
            if (_state == SideState.Failing)
                return; // still the same episode until something succeeds
            _state = SideState.Pending;
            _pending = why;
        }
        Log.SidePending(_logger, _name, why);
        _changed();
    }

    /// <summary>The side works, as of now.</summary>
    public void Up() => Succeeded(_clock.GetTimestamp());

    /// <summary>
    /// A call that started at <paramref name="startedAt"/> (a timestamp) succeeded. Calls overlap (alerts,
    /// heartbeats), so the outcome of the call that started last decides: one that began before it is older
    /// news, and neither ends a failure episode nor starts one (<see cref="Failed(StatusCode, string, long)"/>).
    /// </summary>
    public void Succeeded(long startedAt)
    {
        TimeSpan? outage = null;
        int failures = 0;
        StatusCode status = default;
        lock (_gate)
        {
            if (startedAt < _latestStart)
                return;
            _latestStart = startedAt;
            if (_state == SideState.Up)
                return;
            if (_state == SideState.Failing)
                (outage, failures, status) = (_clock.GetElapsedTime(_failingSince), _failures, _status);
            // Before the state: whoever sees Up sees when it came up.
            Volatile.Write(ref _upSince, _clock.GetTimestamp());
            _state = SideState.Up;
        }
        if (outage is { } lasted)
            Log.SideRecovered(_logger, _name, lasted.TotalSeconds, failures, status);
        _changed();
    }

    /// <summary>A call failed, as of now.</summary>
    public void Failed(StatusCode status, string detail) => Failed(status, detail, _clock.GetTimestamp());

    /// <summary>
    /// A call that started at <paramref name="startedAt"/> failed. Counted in the metrics whatever its age; it
    /// changes the side only if no call that started later has been heard from (a publish that hung through an
    /// outage and timed out after a later one got through says nothing about now).
    /// </summary>
    public void Failed(StatusCode status, string detail, long startedAt)
    {
        bool first, stale = false;
        lock (_gate)
        {
            first = _state != SideState.Failing;
            if (startedAt < _latestStart)
            {
                stale = true;
            }
            else
            {
                _latestStart = startedAt;
                if (first)
                {
                    _failingSince = _clock.GetTimestamp();
                    _failures = 0;
                }
                _state = SideState.Failing;
                (_status, _detail) = (status, detail);
                _failures++;
            }
        }
        _failed(status);
        if (stale)
        {
            Log.SideStaleFailure(_logger, _name, status, detail);
            return;
        }
        if (first)
            Log.SideFailing(_logger, _name, status, detail);
        else
            Log.SideStillFailing(_logger, _name, status, detail);
        _changed();
    }

    /// <summary>What <c>/healthz</c> shows for this side: <c>up</c>, <c>pending: why</c> or <c>failing: Status (detail)</c>.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return _state switch
            {
                SideState.Up => "up",
                SideState.Pending => $"pending: {_pending}",
                _ => $"failing: {_status} ({_detail})",
            };
        }
    }

    /// <summary>Why this side is not up, as one phrase for the health report's detail.</summary>
    internal string Problem()
    {
        lock (_gate)
            return _state == SideState.Failing ? $"{_name} failing with {_status}: {_detail}" : $"{_name}: {_pending}";
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1020, Level = LogLevel.Warning,
            Message = "Pub/Sub {Side} failing with {StatusCode}: {Detail}. Retrying with backoff; /healthz reports degraded until it recovers.")]
        public static partial void SideFailing(ILogger logger, string side, StatusCode statusCode, string detail);

        [LoggerMessage(EventId = 1021, Level = LogLevel.Debug, Message = "Pub/Sub {Side} still failing with {StatusCode}: {Detail}.")]
        public static partial void SideStillFailing(ILogger logger, string side, StatusCode statusCode, string detail);

        [LoggerMessage(EventId = 1022, Level = LogLevel.Information,
            Message = "Pub/Sub {Side} recovered after {Seconds:0.0} s and {Failures} failed attempts (last: {StatusCode}).")]
        public static partial void SideRecovered(ILogger logger, string side, double seconds, int failures, StatusCode statusCode);

        [LoggerMessage(EventId = 1023, Level = LogLevel.Debug, Message = "Pub/Sub {Side} pending: {Reason}.")]
        public static partial void SidePending(ILogger logger, string side, string reason);

        [LoggerMessage(EventId = 1024, Level = LogLevel.Debug,
            Message = "Pub/Sub {Side}: a call that started before the latest outcome failed with {StatusCode} ({Detail}); the later outcome stands.")]
        public static partial void SideStaleFailure(ILogger logger, string side, StatusCode statusCode, string detail);
    }
}
