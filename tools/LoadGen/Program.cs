namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// Drives the grid through its API as its partners do, with realistic lifecycles for many customers and carriers (one
/// carrier sends a third of all events) over JSON, the stream endpoint and EDI X12, late and resent events, credit holds,
/// missing charges and delivery exceptions; then verifies the end state against everything the grid acknowledged and
/// reports events/s, latencies, errors and a chart. See <see cref="LoadOptions.Usage"/>.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help"] or ["-h"])
        {
            await Console.Out.WriteLineAsync(LoadOptions.Usage);
            return 0;
        }

        var (options, error) = LoadOptions.Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"{error}\n{LoadOptions.Usage}");
            return 2;
        }

        if (Environment.GetEnvironmentVariable("SHIPMENTGRID_API_KEY") is not { Length: > 0 } adminKey)
        {
            await Console.Error.WriteLineAsync("Set SHIPMENTGRID_API_KEY to an admin API key (Auth:BootstrapKey, or the key the embedded grid prints at start).");
            return 2;
        }

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency + 2 })
        {
            BaseAddress = options.Api,
            Timeout = TimeSpan.FromMinutes(1),
        };
        var run = new LoadRun(options, http, adminKey, Console.Error, terminal: !Console.IsErrorRedirected, TimeProvider.System);
        RunReport report;
        try
        {
            report = await run.ExecuteAsync();
        }
        catch (InvalidOperationException setup)
        {
            await Console.Error.WriteLineAsync(setup.Message);
            return 1;
        }

        report.WriteText(Console.Out);
        Directory.CreateDirectory(options.OutputDirectory);
        var json = Path.Combine(options.OutputDirectory, "report.json");
        var chart = Path.Combine(options.OutputDirectory, "chart.png");
        await report.WriteJsonAsync(json);
        RunChart.Save(chart, report.Timeline, TimeSpan.FromSeconds(report.Throughput.SendingEndedAt), $"LoadGen {report.Run}: {options.Shipments:N0} shipments");
        Console.WriteLine($"files: {json}, {chart}");
        return report.ExitCode;
    }
}
