using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// deploy/alerts/shipment-grid-rules.yml: it loads as Prometheus rule groups, it covers the conditions the fault tests
/// exercise, and every expression names only metrics the grid exports (under the names the Prometheus exporter gives
/// them) or Prometheus' own <c>up</c>.
/// </summary>
[Collection(MetricsIsolation.Name)]
public sealed partial class AlertRulesTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly string RulesPath = Path.Combine(RepositoryLayout.Root, "deploy", "alerts", "shipment-grid-rules.yml");

    /// <summary>Meters whose instruments reach <c>/metrics</c> (ObservabilityExtensions).</summary>
    private static readonly HashSet<string> ExportedMeters = new(
        ["ShipmentGrid", "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"], StringComparer.Ordinal);

    private static readonly string[] Severities = ["warning", "critical"];

    private static readonly HashSet<string> PromQlWords = new(
        ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"], StringComparer.Ordinal);

    [Fact]
    public void The_rules_load_and_cover_the_conditions_the_fault_tests_exercise()
    {
        var rules = Rules();

        Assert.All(rules, rule =>
        {
            Assert.False(string.IsNullOrWhiteSpace(rule.Alert));
            Assert.False(string.IsNullOrWhiteSpace(rule.Expr));
            Assert.Contains(rule.Labels.GetValueOrDefault("severity"), Severities);
            Assert.False(string.IsNullOrWhiteSpace(rule.Annotations.GetValueOrDefault("summary")));
        });
        var names = rules.SelectMany(rule => MetricNames(rule.Expr)).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(
            new HashSet<string>(
                [
                    "shipment_grid_journal_reader_lag_seconds", "shipment_grid_erp_circuit_open", "shipment_grid_erp_posting_failures_total",
                    "shipment_grid_webhook_delivery_failures_total", "shipment_grid_carrier_events_dead_lettered_total", "up",
                    "http_server_request_duration_seconds_count",
                ],
                StringComparer.Ordinal),
            names);
    }

    [Fact]
    public async Task Every_expression_names_a_metric_the_grid_exports()
    {
        using var http = factory.CreateClient();

        // A readiness call brings up the checks' instruments (the ERP circuit gauge) and ASP.NET Core's request metrics.
        using (var ready = await http.GetAsync(new Uri(HealthEndpoints.ReadyPath, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var scrape = await http.GetAsync(new Uri(ObservabilityExtensions.MetricsPath, UriKind.Relative));
        var families = TypeLine().Matches(await scrape.Content.ReadAsStringAsync()).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var exported = PublishedInstruments().SelectMany(PrometheusNames).ToHashSet(StringComparer.Ordinal);

        // The naming rule below is the exporter's: every grid family the scrape shows is one it predicts.
        Assert.Contains(families, family => family.StartsWith("shipment_grid_", StringComparison.Ordinal));
        Assert.All(families.Where(family => family.StartsWith("shipment_grid_", StringComparison.Ordinal)), family => Assert.Contains(family, exported));

        var unknown = Rules()
            .SelectMany(rule => MetricNames(rule.Expr).Select(name => (rule.Alert, Name: name)))
            .Where(use => use.Name != "up" && !exported.Contains(use.Name))
            .Select(use => $"{use.Alert}: {use.Name}")
            .ToList();
        Assert.True(unknown.Count == 0, "Alert expressions name metrics the grid does not export:\n" + string.Join('\n', unknown));
    }

    /// <summary>The metric names of a PromQL expression: what is left without strings, label matchers, ranges, grouping lists, functions and keywords.</summary>
    internal static IEnumerable<string> MetricNames(string expression)
    {
        var text = StringLiteral().Replace(expression, " ");
        text = Braces().Replace(text, " ");
        text = Brackets().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        return Identifier().Matches(text)
            .Where(match => !match.Groups["call"].Success && !PromQlWords.Contains(match.Groups["name"].Value))
            .Select(match => match.Groups["name"].Value)
            .Distinct(StringComparer.Ordinal);
    }

    private static List<AlertRule> Rules()
    {
        var file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build()
            .Deserialize<RuleFile>(File.ReadAllText(RulesPath));
        Assert.NotEmpty(file.Groups);
        var rules = file.Groups.SelectMany(group => group.Rules).ToList();
        Assert.NotEmpty(rules);
        return rules;
    }

    private static List<Instrument> PublishedInstruments()
    {
        var instruments = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (ExportedMeters.Contains(instrument.Meter.Name))
            {
                instruments.Add(instrument);
            }
        };

        // Start reports every instrument published so far.
        listener.Start();
        return instruments;
    }

    /// <summary>
    /// An instrument's names in a Prometheus scrape, as OpenTelemetry's exporter writes them: characters outside
    /// [a-zA-Z0-9_:] become underscores, the unit is appended (annotations in braces are dropped), counters end in
    /// _total, histograms also have _bucket, _sum and _count.
    /// </summary>
    private static IEnumerable<string> PrometheusNames(Instrument instrument)
    {
        var name = Underscores().Replace(Unsafe().Replace(instrument.Name, "_"), "_");
        var unit = instrument.Unit switch
        {
            null or "" or "1" => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            var other when other.StartsWith('{') => "",
            var other => Unsafe().Replace(other, "_"),
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        var type = instrument.GetType().Name;
        if (type.StartsWith("Counter", StringComparison.Ordinal) || type.StartsWith("ObservableCounter", StringComparison.Ordinal))
        {
            return [name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total"];
        }

        return type.StartsWith("Histogram", StringComparison.Ordinal)
            ? [name, name + "_bucket", name + "_sum", name + "_count"]
            : [name];
    }

    [GeneratedRegex("""^# TYPE (\S+) """, RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(""""("([^"\\]|\\.)*"|'([^'\\]|\\.)*')"""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Brackets();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.])(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex("[^a-zA-Z0-9_:]")]
    private static partial Regex Unsafe();

    [GeneratedRegex("_{2,}")]
    private static partial Regex Underscores();

    public sealed class RuleFile
    {
        public List<RuleGroup> Groups { get; set; } = [];
    }

    public sealed class RuleGroup
    {
        public string Name { get; set; } = "";

        public List<AlertRule> Rules { get; set; } = [];
    }

    public sealed class AlertRule
    {
        public string Alert { get; set; } = "";

        public string Expr { get; set; } = "";

        public string? For { get; set; }

        public Dictionary<string, string> Labels { get; set; } = [];

        public Dictionary<string, string> Annotations { get; set; } = [];
    }
}
