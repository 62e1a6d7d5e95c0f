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
}
