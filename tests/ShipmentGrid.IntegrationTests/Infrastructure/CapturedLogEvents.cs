using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>A Serilog sink that keeps every event a host writes, for tests that read a host's logs back.</summary>
internal sealed class CapturedLogEvents : ILogEventSink
{
    private readonly Lock gate = new();
    private readonly List<LogEvent> events = [];

    public int Count
    {
        get
        {
            lock (gate)
            {
                return events.Count;
            }
        }
    }

    /// <summary>The logger category an event was written under (its <c>SourceContext</c>), if any.</summary>
    public static string? SourceOf(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name } ? name : null;

    public void Emit(LogEvent logEvent)
    {
        lock (gate)
        {
            events.Add(logEvent);
        }
    }

    /// <summary>The events from the <paramref name="index"/>th on, in the order they were written.</summary>
    public List<LogEvent> Since(int index)
    {
        lock (gate)
        {
            return events[index..];
        }
    }

    /// <summary>The rendered messages written under the logger category <paramref name="source"/>.</summary>
    public List<string> Messages(string source) =>
        [.. Since(0).Where(logEvent => SourceOf(logEvent) == source).Select(logEvent => logEvent.RenderMessage(CultureInfo.InvariantCulture))];
}
