namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>Polling with a deadline: the one way these tests wait for another process.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task<T> Succeeds<T>(Func<Task<T>> attempt, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        Exception? last = null;
        while (!timeout.IsCancellationRequested)
        {
            try
            {
                return await attempt();
            }
            catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
            {
                last = exception;
            }

            try
            {
                await Task.Delay(Interval, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        throw new TimeoutException($"{what} did not happen within {deadline}.", last);
    }

    public static Task Holds(Func<Task<bool>> condition, TimeSpan deadline, string what) =>
        Succeeds(
            async () => await condition() ? true : throw new InvalidOperationException($"{what}: not yet"),
            deadline,
            what);
}
