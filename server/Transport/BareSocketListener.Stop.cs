namespace Notifications.Transport;

internal sealed partial class BareSocketListener
{
    /// <summary>
    /// Stops accepting, closes the sockets still being sorted and the ones queued for HTTP that Kestrel
    /// will not take, then waits (until <paramref name="cancellationToken"/>, Kestrel's shutdown deadline)
    /// for the upgraded sockets to close: the drain asked each to, and its close grace aborts it if its
    /// client does not answer. At the deadline, every socket still open is aborted.
    /// </summary>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _unbinding ??= UnbindOnceAsync(cancellationToken);
            return new ValueTask(_unbinding);
        }
    }

    private async Task UnbindOnceAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _unbound = true;
            _forHttp.Writer.TryComplete();
        }
        await _stopping.CancelAsync();
        _listenSocket.Dispose();
        await _acceptLoopEnded.Task;
        while (_forHttp.Reader.TryRead(out var unclaimed))
            await unclaimed.DisposeAsync();
        Task noneRunning;
        lock (_lock)
        {
            // The accept loop has ended: from here the count only falls.
            _noneRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_running == 0)
                _noneRunning.TrySetResult();
            noneRunning = _noneRunning.Task;
        }
        try
        {
            await noneRunning.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.SocketsLeftOpen(_logger, Volatile.Read(ref _running));
            _registry.AbortAll();
        }
    }

    /// <summary>After <see cref="UnbindAsync"/> (Kestrel's order), or in its place: then nothing is waited for.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync(new CancellationToken(canceled: true));
        _contexts.Dispose();
        _stopping.Dispose();
    }
}
