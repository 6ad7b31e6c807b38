using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ShipmentGrid.Hosting.Process;

/// <summary>
/// How every Shipment Grid process (Silo, Client.Api) is built and run: configuration that does not depend on the
/// working directory, and a stop on SIGTERM that is bounded even when PostgreSQL is away.
/// </summary>
public static partial class GridHost
{
    /// <summary>How long the host lets its services stop gracefully before cancelling them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(6);

    /// <summary>
    /// From the stop request to the end of the process, whatever a stopping service still waits for: Orleans retries
    /// its last membership-table update for minutes when the database is away.
    /// </summary>
    public static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A builder whose content root, and so its appsettings.json, is the binary's folder, not the working directory.
    /// <paramref name="defaultUrls"/> apply only when neither <c>ASPNETCORE_URLS</c> / <c>Urls</c> nor
    /// <c>ASPNETCORE_HTTP_PORTS</c> / <c>HTTP_PORTS</c> is configured.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, string defaultUrls)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (!HasConfiguredEndpoints(builder.Configuration))
        {
            builder.WebHost.UseUrls(defaultUrls);
        }

        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        return builder;
    }

    /// <summary>
    /// Runs the host until it stops, but returns (ending the process) at most <see cref="ExitDeadline"/> after the stop
    /// was requested; exit code 0 for a clean stop, 1 when the deadline cut it short.
    /// </summary>
    public static async Task<int> RunBoundedAsync(this WebApplication app)
    {
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = app.Lifetime.ApplicationStopping.Register(() => stopRequested.TrySetResult());
        var run = app.RunAsync();
        await Task.WhenAny(run, stopRequested.Task);
        if (await Task.WhenAny(run, Task.Delay(ExitDeadline)) != run)
        {
            LogExitDeadline(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GridHost)), ExitDeadline);
            return 1;
        }

        await run;
        return 0;
    }

    private static bool HasConfiguredEndpoints(ConfigurationManager configuration) =>
        new[] { WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey }
            .Any(key => !string.IsNullOrWhiteSpace(configuration[key]))
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Services did not stop within {Deadline} of the stop request; exiting without them")]
    private static partial void LogExitDeadline(ILogger logger, TimeSpan deadline);
}
