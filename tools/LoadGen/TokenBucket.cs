using System.Diagnostics;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// Paces writes to a target rate: a token bucket holding one second's worth. A request of n writes takes n tokens, and
/// waits until they have accrued when the bucket is short, so a run at --rate N sends N writes a second on average
/// with bursts of at most a second's worth.
/// </summary>
internal sealed class TokenBucket(double perSecond)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();

    /// <summary>When (seconds on <see cref="_clock"/>) the writes taken so far are paid for; writes may run a second ahead of it.</summary>
    private double _paidUntil;

    public async Task TakeAsync(int writes)
    {
        double wait;
        lock (_lock)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _paidUntil = Math.Max(_paidUntil, now);
            wait = _paidUntil - 1 - now;
            _paidUntil += writes / perSecond;
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
        }
    }
}
