using System.Diagnostics;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>The README's walked sections, each run exactly as written against a fresh API process in its embedded default.</summary>
public sealed class WorkedExampleTests
{
    [Fact]
    public async Task The_readme_walk_from_booking_to_posted_and_released_invoices_and_a_service_case_runs_as_written()
    {
        var stdout = await RunAsync("walkthrough");
        Assert.Contains("\"invoiceNumber\":\"INV-SHP-1001\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"OnHold\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"DeliveryException\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"rejection\":\"forbidden\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_readme_partner_onboarding_registers_a_carrier_issues_its_key_and_sends_a_214_and_a_210_as_written()
    {
        var stdout = await RunAsync("onboarding");
        Assert.Contains("\"outcome\":\"Accepted\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"Applied\"", stdout, StringComparison.Ordinal);
        Assert.Contains("AK1*QM", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_readme_remote_erp_walk_posts_an_invoice_to_the_erp_once_with_its_document_on_the_invoice()
    {
        await using var erp = await Erp.FakeErp.StartAsync();
        var stdout = await RunAsync(
            "erp",
            new Dictionary<string, string> { ["Erp__Mode"] = "Http", ["Erp__BaseUrl"] = erp.BaseUrl.ToString(), ["Erp__ApiKey"] = Erp.FakeErp.ApiKey },
            new Dictionary<string, string> { ["ERP_URL"] = erp.BaseUrl.ToString().TrimEnd('/'), ["ERP_KEY"] = Erp.FakeErp.ApiKey });

        Assert.Equal(1, erp.Created);
        Assert.Contains($"\"documentNumber\":\"{erp.DocumentOf("INV-SHP-ERP-1")}\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_readme_webhook_walk_subscribes_a_crm_that_receives_the_notification_once_with_a_valid_signature()
    {
        await using var receiver = await Webhooks.WebhookReceiver.StartAsync();
        var stdout = await RunAsync(
            "webhook",
            new Dictionary<string, string> { ["Webhooks__AllowedHosts__0"] = "127.0.0.1", ["Webhooks__PollInterval"] = "00:00:00.100" },
            new Dictionary<string, string> { ["WEBHOOK_URL"] = receiver.UrlOf("crm") });

        var secret = stdout.Split('\n').Single(line => line.StartsWith("secret: ", StringComparison.Ordinal))["secret: ".Length..];
        var delivered = Assert.Single(receiver.To("crm"));
        Assert.True(Webhooks.SignatureVerifier.Verifies(secret, delivered.Id, delivered.Timestamp, delivered.Signature, delivered.Body, DateTimeOffset.UtcNow));
        Assert.Contains("ExceptionOpened", System.Text.Encoding.UTF8.GetString(delivered.Body), StringComparison.Ordinal);
    }

    /// <summary>Runs the README block between the named markers with bash against a fresh API process; fails if any step does.</summary>
    private static async Task<string> RunAsync(string block, IReadOnlyDictionary<string, string>? settings = null, IReadOnlyDictionary<string, string>? shell = null)
    {
        var script = ReadBlock(block);
        var environment = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        await using var api = GridProcess.Start("api", "Client.Api", "ShipmentGrid.Api.dll", environment);
        await api.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.Environment["GRID"] = api.BaseAddress.ToString().TrimEnd('/');
        start.Environment["GRID_KEY"] = TestKeys.Admin;
        foreach (var (key, value) in shell ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var bash = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        await bash.StandardInput.WriteAsync(script);
        bash.StandardInput.Close();
        var output = bash.StandardOutput.ReadToEndAsync();
        var errors = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await bash.WaitForExitAsync(timeout.Token);

        var transcript = $"{await output}\n--- stderr ---\n{await errors}\n--- api ---\n{api.Output}";
        Assert.True(bash.ExitCode == 0, transcript);
        return await output;
    }

    private static string ReadBlock(string block)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        var (start, end) = ($"<!-- {block}:start -->", $"<!-- {block}:end -->");
        var from = readme.IndexOf(start, StringComparison.Ordinal);
        var to = readme.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"README.md has no {block} block");
        var text = readme[(from + start.Length)..to];
        var fence = text.IndexOf("```bash", StringComparison.Ordinal);
        var close = text.LastIndexOf("```", StringComparison.Ordinal);
        Assert.True(fence >= 0 && close > fence, $"the {block} block holds no bash code");
        return text[(fence + "```bash".Length)..close];
    }
}
