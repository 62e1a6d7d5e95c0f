using System.IO.Pipelines;

namespace Notifications.Tests.Faults;

/// <summary>
/// A connection's bytes, passed through both ways until <see cref="Freeze"/>: from then on whatever
/// either side sends is dropped, while the socket stays open. That is a peer that stops answering (a
/// half-open connection, a middlebox that lost its state): only the client's own keep-alive can notice.
/// When the client gives up and closes, the server side hears of it, so nothing is left behind.
/// </summary>
internal sealed class FreezableTransport : IDuplexPipe, IAsyncDisposable
{
    private readonly IDuplexPipe _socket;
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly Task _pumps;
    private volatile bool _frozen;

    public FreezableTransport(IDuplexPipe socket)
    {
        _socket = socket;
        _pumps = Task.WhenAll(PumpAsync(socket.Input, _toServer.Writer), PumpAsync(_toClient.Reader, socket.Output));
    }

    public PipeReader Input => _toServer.Reader;
    public PipeWriter Output => _toClient.Writer;

    public void Freeze() => _frozen = true;

    private async Task PumpAsync(PipeReader from, PipeWriter to)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var read = await from.ReadAsync();
                if (!_frozen)
                {
                    foreach (var segment in read.Buffer)
                        await to.WriteAsync(segment);
                }
                from.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                    break;
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        await from.CompleteAsync(error);
        await to.CompleteAsync(error);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Input.CancelPendingRead();
        _toClient.Reader.CancelPendingRead();
        await _pumps;
    }
}
