using Grpc.Core;

namespace Notifications.Tests.Faults;

/// <summary>
/// What the front does to calls, by gRPC method name (<c>Publish</c>, <c>StreamingPull</c>,
/// <c>CreateSubscription</c>…, or <c>*</c> for every method): refuse them with a status for a window or a count,
/// delay their responses, and end every StreamingPull a while after it opened. Thread-safe; changes apply
/// to calls that start afterwards (the front's own methods act on calls already open).
/// </summary>
public sealed class FaultPlan
{
    public const string AnyMethod = "*";

    private readonly Lock _gate = new();
    private readonly List<Refusal> _refusals = [];
    private readonly Dictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _passes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (StatusCode Status, int Count)> _next = new(StringComparer.Ordinal);
    private StreamLife? _streamLife;

    private sealed record Refusal(string Method, StatusCode Status, DateTime Until);

    /// <summary>How long each StreamingPull lives before the front ends it, and with what status.</summary>
    public sealed record StreamLife(StatusCode Status, TimeSpan After, TimeSpan Jitter);

    /// <summary>Refuses new calls of <paramref name="method"/> with <paramref name="status"/> for <paramref name="window"/> from now.</summary>
    public void Refuse(string method, StatusCode status, TimeSpan window)
    {
        lock (_gate)
            _refusals.Add(new Refusal(method, status, DateTime.UtcNow + window));
    }

    /// <summary>Refuses the next <paramref name="count"/> calls of <paramref name="method"/> with <paramref name="status"/>, before any other refusal.</summary>
    public void RefuseNext(string method, StatusCode status, int count)
    {
        lock (_gate)
            _next[method] = (status, count);
    }

    /// <summary>Lets the next <paramref name="count"/> calls of <paramref name="method"/> through whatever refusals say.</summary>
    public void PassNext(string method, int count)
    {
        lock (_gate)
            _passes[method] = count;
    }

    /// <summary>Holds every response of <paramref name="method"/> this long after the emulator answered it.</summary>
    public void Delay(string method, TimeSpan delay)
    {
        lock (_gate)
            _delays[method] = delay;
    }

    /// <summary>Ends every StreamingPull opened from now on <paramref name="after"/> (plus up to <paramref name="jitter"/>) after it opened.</summary>
    public void EndStreamsAfter(StatusCode status, TimeSpan after, TimeSpan jitter = default)
    {
        lock (_gate)
            _streamLife = new StreamLife(status, after, jitter);
    }

    /// <summary>Back to passing everything through untouched.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _refusals.Clear();
            _delays.Clear();
            _passes.Clear();
            _next.Clear();
            _streamLife = null;
        }
    }

    internal StatusCode? RefusalFor(string method)
    {
        lock (_gate)
        {
            _refusals.RemoveAll(r => r.Until <= DateTime.UtcNow);
            if (_next.TryGetValue(method, out var next) && next.Count > 0)
            {
                _next[method] = (next.Status, next.Count - 1);
                return next.Status;
            }
            if (_passes.TryGetValue(method, out int passes) && passes > 0)
            {
                _passes[method] = passes - 1;
                return null;
            }
            return _refusals.LastOrDefault(r => r.Method == AnyMethod || r.Method == method)?.Status;
        }
    }

    internal TimeSpan DelayFor(string method)
    {
        lock (_gate)
            return _delays.TryGetValue(method, out var delay) ? delay : TimeSpan.Zero;
    }

    internal StreamLife? Life
    {
        get { lock (_gate) return _streamLife; }
    }
}
