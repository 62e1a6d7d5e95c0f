using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Notifications.Bench.Infra;

/// <summary>GC figures read from outside the server over its diagnostics port (EventPipe), as dotnet-trace does.</summary>
internal sealed record GcFigures(long AllocatedBytes, int Gen0, int Gen1, int Gen2, long HeapBytes, double PauseMs, double MaxPauseMs);

/// <summary>The managed heap after a full GC: its size, and the bytes of objects that survived it (the rest is free space between them).</summary>
internal sealed record HeapAfterGc(long HeapBytes, long LiveBytes);

/// <summary>
/// One EventPipe session on a server's runtime, GC events only. Started with <c>forceGc</c> it also
/// asks for a heap collection (the GCHeapCollect keyword), which makes the runtime run a full
/// blocking GC at once: the only way to force a GC in a process we do not control.
/// </summary>
internal sealed class RuntimeProbe : IAsyncDisposable
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private readonly EventPipeSession _session;
    private readonly Task _processing;
    private readonly TaskCompletionSource _fullGcDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _allocated, _heap, _live;
    private int _gen0, _gen1, _gen2;
    // With BENCH_GC_DEBUG: the sampled allocations by type (one sample per ~100 KB allocated), printed at the end.
    private readonly Dictionary<string, long> _sampledTypes = [];
    private double _pauseMs, _maxPauseMs, _suspendedAt = -1;

    private RuntimeProbe(EventPipeSession session)
    {
        _session = session;
        var source = new EventPipeEventSource(session.EventStream);
        bool debug = Environment.GetEnvironmentVariable("BENCH_GC_DEBUG") is not null;
        // With BENCH_GC_DEBUG, each GC's start by its number: a foreground GC may start and end inside a background one.
        var started = new Dictionary<int, double>();
        source.Clr.GCStart += e =>
        {
            if (debug)
            {
                Console.WriteLine($"    [gc] #{e.Count} gen{e.Depth} {e.Type} {e.Reason} at {e.TimeStampRelativeMSec:0} ms ({e.TimeStamp.ToUniversalTime():HH:mm:ss.fff})");
                started[e.Count] = e.TimeStampRelativeMSec;
            }
            if (e.Depth == 0) _gen0++;
            else if (e.Depth == 1) _gen1++;
            else _gen2++;
        };
        source.Clr.GCAllocationTick += e =>
        {
            _allocated += e.AllocationAmount64;
            if (debug)
                _sampledTypes[e.TypeName ?? "?"] = _sampledTypes.GetValueOrDefault(e.TypeName ?? "?") + e.AllocationAmount64;
        };
        if (debug)
        {
            // Why the GC chose its generation and its kind (gcrecord.h): CondemnReasons0 packs a generation per
            // gc_condemn_reason_gen, CondemnReasons1 is a bit set of gc_condemn_reason_condition; mechanisms are gc_global_mechanism_p.
            source.Clr.GCGlobalHeapHistory += e => Console.WriteLine(
                $"    [gc] global: condemned gen{e.CondemnedGeneration}, reason {e.Reason}, pause mode {e.PauseMode}, mechanisms {e.GlobalMechanisms}, memory load {e.MemoryPressure}");
            source.Clr.GCPerHeapHistory += e => Console.WriteLine(
                $"    [gc] heap: condemn reasons 0x{e.CondemnReasons0:x} 0x{e.CondemnReasons1:x}, compact {e.CompactMechanisms}, expand {e.ExpandMechanisms}");
            // A pause is the threads' suspension, then the collection itself: printed apart, to see which one is long.
            source.Clr.GCSuspendEEStop += e =>
            {
                if (_suspendedAt >= 0)
                    Console.WriteLine($"    [gc] suspended in {e.TimeStampRelativeMSec - _suspendedAt:0.00} ms");
            };
            source.Clr.GCStop += e =>
            {
                if (started.Remove(e.Count, out double at))
                    Console.WriteLine($"    [gc] #{e.Count} collected in {e.TimeStampRelativeMSec - at:0.00} ms");
            };
        }
        source.Clr.GCSuspendEEStart += e => _suspendedAt = e.TimeStampRelativeMSec;
        source.Clr.GCRestartEEStop += e =>
        {
            if (_suspendedAt >= 0)
            {
                double pause = e.TimeStampRelativeMSec - _suspendedAt;
                _pauseMs += pause;
                _maxPauseMs = Math.Max(_maxPauseMs, pause);
                if (debug)
                    Console.WriteLine($"    [gc] pause {pause:0.0} ms");
            }
            _suspendedAt = -1;
        };
        source.Clr.GCHeapStats += e =>
        {
            _heap = e.TotalHeapSize;
            if (debug)
                Console.WriteLine($"    [gc] g0 {e.GenerationSize0 >> 10} K g1 {e.GenerationSize1 >> 10} K g2 {e.GenerationSize2 >> 10} K loh {e.GenerationSize3 >> 10} K poh {e.GenerationSize4 >> 10} K; promoted g0 {e.TotalPromotedSize0 >> 10} K g1 {e.TotalPromotedSize1 >> 10} K g2 {e.TotalPromotedSize2 >> 10} K; pinned objs {e.PinnedObjectCount}");
            // After a full GC every survivor is counted once, in the generation it survived in.
            _live = e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2 + e.TotalPromotedSize3 + e.TotalPromotedSize4;
            if (_gen2 > 0)
                _fullGcDone.TrySetResult();
        };
        _processing = Task.Run(source.Process);
    }

    /// <summary>Starts counting GCs and allocations in <paramref name="pid"/>; null when its diagnostics port does not answer.</summary>
    public static RuntimeProbe? Start(int pid, bool forceGc = false)
    {
        var keywords = ClrTraceEventParser.Keywords.GC;
        if (forceGc)
            keywords |= ClrTraceEventParser.Keywords.GCHeapCollect;
        try
        {
            var session = new DiagnosticsClient(pid).StartEventPipeSession(
                new EventPipeProvider(RuntimeProvider, EventLevel.Verbose, (long)keywords), requestRundown: false, circularBufferMB: 64);
            return new RuntimeProbe(session);
        }
        catch (Exception e) when (e is ServerNotAvailableException or DiagnosticsClientException or TimeoutException)
        {
            Console.Error.WriteLine($"  (no GC figures: the diagnostics port of {pid} did not answer: {e.Message})");
            return null;
        }
    }

    /// <summary>Forces a full GC in <paramref name="pid"/> and returns the managed heap after it.</summary>
    public static async Task<HeapAfterGc?> HeapAfterFullGcAsync(int pid, TimeSpan timeout)
    {
        await using var probe = Start(pid, forceGc: true);
        if (probe is null)
            return null;
        bool done = await Task.WhenAny(probe._fullGcDone.Task, Task.Delay(timeout)) == probe._fullGcDone.Task;
        var figures = await probe.StopAsync();
        return done ? new HeapAfterGc(figures.HeapBytes, probe._live) : null;
    }

    public async Task<GcFigures> StopAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is ServerNotAvailableException or DiagnosticsClientException or IOException)
        {
        }
        await Task.WhenAny(_processing, Task.Delay(TimeSpan.FromSeconds(5)));
        foreach (var (type, bytes) in _sampledTypes.OrderByDescending(t => t.Value).Take(20))
            Console.WriteLine($"    [gc] allocated {bytes >> 10,8} KB  {type}");
        return new GcFigures(_allocated, _gen0, _gen1, _gen2, _heap, _pauseMs, _maxPauseMs);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAny(_processing, Task.Delay(TimeSpan.FromSeconds(1)));
        _session.Dispose();
    }
}
