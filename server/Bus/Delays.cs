namespace Notifications.Bus;

internal static class Delays
{
    /// <summary>Waits, returning false instead of throwing when cancelled: a stop is a normal end for a loop.</summary>
    public static async Task<bool> TryDelayAsync(this TimeProvider clock, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, clock, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until the delay passes or <paramref name="wake"/> completes; false when cancelled.</summary>
    public static async Task<bool> TryDelayAsync(this TimeProvider clock, TimeSpan delay, Task wake, CancellationToken cancellationToken)
    {
        using var early = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delayed = Task.Delay(delay, clock, early.Token);
        await Task.WhenAny(delayed, wake);
        early.Cancel();
        try
        {
            await delayed;
        }
        catch (OperationCanceledException)
        {
        }
        return !cancellationToken.IsCancellationRequested;
    }
}
