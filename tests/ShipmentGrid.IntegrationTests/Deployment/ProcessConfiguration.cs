using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Deployment;

/// <summary>
/// What the grid's processes read from their environment, for checking the deployment files (docker-compose.yml,
/// deploy/kubernetes) against the code: configuration binding ignores unknown keys, so a misspelt key would silently
/// fall back to a default.
/// </summary>
internal static partial class ProcessConfiguration
{
    public const string SiloProject = "Silo";
    public const string ApiProject = "Client.Api";

    /// <summary>Hosts that make Kestrel listen on every interface, so the port is reachable from outside the container.</summary>
    public static readonly string[] AnyInterfaceHosts = ["0.0.0.0", "+", "*", "[::]"];

    /// <summary>
    /// Keys read outside appsettings.json (absent there because unset means "off"): ObservabilityExtensions enables
    /// OTLP export only when the endpoint is set, and the host reads its URLs.
    /// </summary>
    private static readonly string[] KeysReadWithoutAppSettings = ["OTEL_EXPORTER_OTLP_ENDPOINT", "Urls", "ASPNETCORE_URLS"];

    /// <summary>The downward-API variables Orleans' Kubernetes hosting reads in a silo pod.</summary>
    private static readonly string[] KubernetesPodVariables =
    [
        KubernetesHostingOptions.PodNameEnvironmentVariable,
        KubernetesHostingOptions.PodNamespaceEnvironmentVariable,
        KubernetesHostingOptions.PodIPEnvironmentVariable,
    ];

    public static string ToConfigurationKey(string environmentKey) =>
        environmentKey.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);

    /// <summary>Whether the process built from <paramref name="project"/> reads the environment variable <paramref name="environmentKey"/>.</summary>
    public static bool Reads(string project, string environmentKey)
    {
        var configKey = ToConfigurationKey(environmentKey);
        if (configKey.StartsWith(GridOptions.Section + ":", StringComparison.OrdinalIgnoreCase))
        {
            return typeof(GridOptions).GetProperty(configKey[(GridOptions.Section.Length + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not null;
        }

        return configKey == "ConnectionStrings:Postgres"
            || AppSettings(project).AsEnumerable().Any(pair => string.Equals(pair.Key, configKey, StringComparison.OrdinalIgnoreCase))
            || KeysReadWithoutAppSettings.Contains(environmentKey, StringComparer.Ordinal)
            || (project == SiloProject && KubernetesPodVariables.Contains(environmentKey, StringComparer.Ordinal));
    }

    public static IConfigurationRoot AppSettings(string project) =>
        new ConfigurationBuilder().AddJsonFile(Path.Combine(RepositoryLayout.Root, project, "appsettings.json"), optional: false).Build();

    /// <summary>What the process sees: its appsettings.json overridden by the container environment, as in the host.</summary>
    public static IConfigurationRoot Effective(string project, IEnumerable<KeyValuePair<string, string>> environment) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryLayout.Root, project, "appsettings.json"), optional: false)
            .AddInMemoryCollection(environment.Select(pair => KeyValuePair.Create(ToConfigurationKey(pair.Key), (string?)pair.Value)))
            .Build();

    /// <summary>The single <c>http://host:port</c> of the process's <c>Urls</c>.</summary>
    public static (string Host, int Port) ListenAddress(IConfiguration configuration, string what)
    {
        var urls = configuration["Urls"];
        Assert.False(string.IsNullOrWhiteSpace(urls), $"{what} has no Urls");
        var match = UrlPattern().Match(Assert.Single(urls.Split(';', StringSplitOptions.RemoveEmptyEntries)));
        Assert.True(match.Success, $"{what}: Urls '{urls}' is not http://host:port");
        return (match.Groups["host"].Value, int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The command Silo/Program.cs recognises in its arguments to migrate and exit.</summary>
    public static string MigrateCommand()
    {
        var program = File.ReadAllText(Path.Combine(RepositoryLayout.Root, SiloProject, "Program.cs"));
        var recognised = ArgsContainsPattern().Match(program);
        Assert.True(recognised.Success, "Silo/Program.cs no longer checks args for a command");
        return recognised.Groups["command"].Value;
    }

    [GeneratedRegex(@"args\.Contains\(""(?<command>[a-z-]+)""")]
    private static partial Regex ArgsContainsPattern();

    [GeneratedRegex(@"^https?://(?<host>\[[^\]]+\]|[^:/]+):(?<port>\d+)/?$")]
    private static partial Regex UrlPattern();
}
