using System.Globalization;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// A live line on standard error: elapsed time, what the run is doing, events acknowledged and their rate over the last
/// second, the journal's lag (read once a second, which also feeds the chart) and errors. On a terminal the line is
/// rewritten in place every second; otherwise a plain line is written every ten seconds.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    private readonly GridClient _grid;
    private readonly string _readKey;
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProgressDisplay(GridClient grid, string readKey, TextWriter output, bool terminal)
    {
        _grid = grid;
        _readKey = readKey;
        _output = output;
        _terminal = terminal;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>What the run is doing now, e.g. "round 3/15" or the verifier's status.</summary>
    public Func<string> Stage { get; set; } = () => "starting";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (_terminal)
        {
            await _output.WriteLineAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var metrics = _grid.Metrics;
        var (lastEvents, lastShown) = (0L, TimeSpan.Zero);
        var tick = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                tick++;
                var lag = await LagAsync();
                if (!_terminal && tick % 10 != 0)
                {
                    continue;
                }

                var (events, now) = (metrics.EventsAcknowledged, metrics.Elapsed);
                var rate = (events - lastEvents) / Math.Max((now - lastShown).TotalSeconds, 0.001);
                (lastEvents, lastShown) = (events, now);
                var line = string.Create(CultureInfo.InvariantCulture, $"{now.TotalSeconds,5:F0} s  {Stage(),-48} events {events,10:N0} ({rate,6:N0}/s)  writes {metrics.WritesAcknowledged,10:N0}  lag {lag,8}  errors {metrics.ErrorCount:N0}");
                await _output.WriteAsync(_terminal ? "\r" + line + "\u001b[K" : line + Environment.NewLine);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the run is over.
        }
    }

    private async Task<string> LagAsync()
    {
        try
        {
            var lag = (long)(await _grid.ReadAsync(_readKey, "api/v1/journal/lag", RunMetrics.Operations.Lag))!["events"]!;
            _grid.Metrics.Lag(lag);
            return lag.ToString("N0", CultureInfo.InvariantCulture);
        }
        catch (GridReadException)
        {
            return "?";
        }
    }
}
