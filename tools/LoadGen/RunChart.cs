using ScottPlot;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// The run over time as a PNG, one panel each on a shared time axis: carrier events acknowledged per second; the p50 and
/// p99 latency of event requests per second; the journal's lag and the errors per second. A vertical line marks the last
/// acknowledged write: what follows it is the grid settling and the verification.
/// </summary>
internal static class RunChart
{
    public static void Save(string path, IReadOnlyList<SecondSummary> timeline, TimeSpan sendingEnded, string title)
    {
        var chart = new Multiplot();
        chart.AddPlots(3);
        chart.Layout = new ScottPlot.MultiplotLayouts.Rows();
        double[] seconds = [.. timeline.Select(second => (double)second.Second)];

        var events = chart.GetPlot(0);
        events.Title(title);
        events.Add.Scatter(seconds, [.. timeline.Select(second => (double)second.Events)]).LegendText = "events acknowledged per second";
        events.YLabel("events/s");

        var latency = chart.GetPlot(1);
        AddGapped(latency, timeline, second => second.EventP50, "p50 of event requests (ms)");
        AddGapped(latency, timeline, second => second.EventP99, "p99 of event requests (ms)");
        latency.YLabel("ms");

        var backlog = chart.GetPlot(2);
        AddGapped(backlog, timeline, second => second.Lag, "journal lag (events)");
        backlog.Add.Scatter(seconds, [.. timeline.Select(second => (double)second.Errors)]).LegendText = "errors per second (retries included)";
        backlog.YLabel("events / errors");
        backlog.XLabel("seconds since the start of the run");

        var end = Math.Max(seconds.LastOrDefault(), sendingEnded.TotalSeconds) + 1;
        foreach (var plot in chart.GetPlots())
        {
            var ended = plot.Add.VerticalLine(sendingEnded.TotalSeconds);
            ended.LegendText = "last write acknowledged";
            ended.Color = Colors.Gray;
            ended.LinePattern = LinePattern.Dashed;
            plot.ShowLegend(Alignment.UpperRight);
            plot.Axes.Left.MinimumSize = 90; // the same width on every panel, so their time axes line up

            plot.Axes.SetLimits(left: 0, right: end, bottom: 0, top: Math.Max(1, plot.Axes.GetDataLimits().Top * 1.15));
        }

        chart.SavePng(path, 1200, 1000);
    }

    /// <summary>A series with no point in the seconds where it has no value (no event request answered, no lag read).</summary>
    private static void AddGapped(Plot plot, IReadOnlyList<SecondSummary> timeline, Func<SecondSummary, double?> value, string legend)
    {
        var points = timeline.Where(second => value(second) is not null).ToArray();
        if (points.Length == 0)
        {
            return;
        }

        var series = plot.Add.Scatter(points.Select(second => (double)second.Second).ToArray(), points.Select(second => value(second)!.Value).ToArray());
        series.LegendText = legend;
    }

    private static void AddGapped(Plot plot, IReadOnlyList<SecondSummary> timeline, Func<SecondSummary, long?> value, string legend) =>
        AddGapped(plot, timeline, second => (double?)value(second), legend);
}
