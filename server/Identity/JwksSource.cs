using Microsoft.Extensions.Options;
using Notifications.Configuration;

namespace Notifications.Identity;

/// <summary>
/// Keeps <see cref="SigningKeys"/>' JWKS part current: read at startup (waiting at most a few seconds, so an
/// identity provider that is down cannot hold the instance's start), then every AUTH_JWKS_REFRESH_SECONDS, and
/// sooner when a token names a key id nobody knows (a rotation), at most once per <see cref="MinInterval"/>.
/// A failed read keeps the keys it had. So does a document with no usable key, for <see cref="NoKeyGrace"/>: a provider
/// that answers so by mistake must not refuse every token at once, and one that goes on answering so has withdrawn its keys.
/// Does nothing when AUTH_JWKS_URL is unset.
/// </summary>
internal sealed partial class JwksSource(
    SigningKeys keys, IOptions<AuthOptions> options, TimeProvider clock, ILogger<JwksSource> logger) : BackgroundService
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan NoKeyGrace = TimeSpan.FromHours(1);
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(5);

    private readonly string? _location = string.IsNullOrWhiteSpace(options.Value.JwksUrl) ? null : options.Value.JwksUrl.Trim();
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(options.Value.JwksRefreshSeconds);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
        MaxResponseContentBufferSize = JwksDocument.MaxBytes,
    };
    private long _lastAttempt; // 0: never
    private long _noKeySince; // 0: the last answer read had a usable key; read and written under _reading
    private static readonly TimeSpan TokenReadLimit = TimeSpan.FromSeconds(15);
    private readonly Lock _tokenReadGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task<bool>? _tokenRead;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_location is not null)
        {
            var first = ReadAsync(cancellationToken);
            if (await Task.WhenAny(first, Task.Delay(StartupWait, clock, cancellationToken)) != first)
                Log.SlowAtStartup(logger, StartupWait.TotalSeconds);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_location is null)
            return;
        try
        {
            while (true)
            {
                // After a failure, try again soon rather than a whole interval later.
                var wait = keys.JwksCount == 0 ? Min(MinInterval, _interval) : _interval;
                await Task.Delay(wait, clock, stoppingToken);
                await ReadAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// A token names a key id that is not loaded: read the document again unless that was tried within <see cref="MinInterval"/>,
    /// or wait for the read another token asked for. True if it was read.
    /// </summary>
    public async Task<bool> RefreshForUnknownKeyAsync(CancellationToken cancellationToken)
    {
        if (_location is null)
            return false;
        // One read serves every token that asks while it runs, and starts the interval, so a client that leaves does not cancel
        // it: that client only stops waiting. The read has a time limit of its own, so a hung file or server cannot pile reads up.
        Task<bool> read;
        lock (_tokenReadGate)
        {
            long last = Interlocked.Read(ref _lastAttempt);
            if (_tokenRead is { IsCompleted: false } running)
                read = running;
            else if (last == 0 || clock.GetElapsedTime(last) >= MinInterval)
                read = _tokenRead = Task.Run(() => ReadForTokenAsync(last));
            else
                return false;
        }
        return await read.WaitAsync(cancellationToken);
    }

    private async Task<bool> ReadForTokenAsync(long seen)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TokenReadLimit, clock);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, timeout.Token);
            return await ReadAsync(limit.Token, seen);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Out of time (said as any failed read is), or the host is stopping.
            if (!_stopping.IsCancellationRequested)
                Log.ReadFailed(logger, keys.JwksCount, "Timeout", $"no answer within {TokenReadLimit.TotalSeconds} s");
            return false;
        }
    }

    /// <param name="seen">For a read asked by a token: the attempt it saw last; if another began while this one waited its turn, that one stands for it.</param>
    private async Task<bool> ReadAsync(CancellationToken cancellationToken, long? seen = null)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (seen is { } before && Interlocked.Read(ref _lastAttempt) != before)
                return true;
            Interlocked.Exchange(ref _lastAttempt, clock.GetTimestamp());
            var (found, skipped) = JwksDocument.Parse(await FetchAsync(cancellationToken));
            if (found.Count == 0 && keys.JwksCount > 0)
            {
                if (_noKeySince == 0)
                    _noKeySince = clock.GetTimestamp();
                if (clock.GetElapsedTime(_noKeySince) < NoKeyGrace)
                    throw new FormatException($"the document has no RS256/ES256 signing key ({skipped} skipped); "
                        + $"if it still has none {NoKeyGrace.TotalMinutes:0} minutes after the first such answer, the keys are dropped");
                Log.Withdrawn(logger, keys.JwksCount, NoKeyGrace.TotalMinutes, skipped);
            }
            else if (found.Count > 0)
            {
                _noKeySince = 0;
            }
            keys.ReplaceJwks(found);
            Log.Read(logger, found.Count, skipped);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever the provider's answer does (an unknown charset, a malformed body, a timeout), it must not escape
            // into a handshake as a 500, nor out of the refresh loop, which would stop the host.
            Log.ReadFailed(logger, keys.JwksCount, e.GetType().Name, e.Message);
            return false;
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task<string> FetchAsync(CancellationToken cancellationToken)
    {
        if (!JwksLocation.IsUrl(_location!))
        {
            var info = new FileInfo(_location!);
            if (info.Exists && info.Length > JwksDocument.MaxBytes)
                throw new FormatException($"the file is over {JwksDocument.MaxBytes} bytes");
            return await File.ReadAllTextAsync(_location!, cancellationToken);
        }
        using var response = await _http.GetAsync(_location, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the server answered {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public override void Dispose()
    {
        // The container may dispose it twice (as itself and as a hosted service); a cancelled source needs no disposing.
        if (!_stopping.IsCancellationRequested)
            _stopping.Cancel();
        _http.Dispose();
        _reading.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Read the JWKS document: {KeyCount} signing keys ({Skipped} skipped: not for RS256/ES256 signatures).")]
        public static partial void Read(ILogger logger, int keyCount, int skipped);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Reading the JWKS document failed ({ErrorType}: {Error}); keeping the {KeyCount} keys read before.")]
        public static partial void ReadFailed(ILogger logger, int keyCount, string errorType, string error);

        [LoggerMessage(EventId = 9004, Level = LogLevel.Error, Message = "The JWKS document has had no usable signing key for {Minutes} minutes ({Skipped} skipped): dropping the {KeyCount} keys read before, so every token is refused until it publishes an RS256/ES256 key.")]
        public static partial void Withdrawn(ILogger logger, int keyCount, double minutes, int skipped);

        [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "The JWKS document was not read within {Seconds} s of startup; starting anyway, tokens signed by its keys are refused until it is.")]
        public static partial void SlowAtStartup(ILogger logger, double seconds);
    }
}

/// <summary>The rule for AUTH_JWKS_URL: https anywhere, http only to this machine, anything else a file path.</summary>
internal static class JwksLocation
{
    public static bool IsUrl(string location) =>
        location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>What is wrong with the location, or null; a file must exist and parse.</summary>
    public static string? Problem(string location)
    {
        if (!IsUrl(location))
            return File.Exists(location) ? null : $"AUTH_JWKS_URL names '{location}', which is neither an https:// URL nor an existing file.";
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri))
            return $"AUTH_JWKS_URL '{location}' is not a valid URL.";
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            return "AUTH_JWKS_URL must be https:// (http:// only for localhost): keys fetched in the clear could be replaced on the way.";
        return null;
    }
}
