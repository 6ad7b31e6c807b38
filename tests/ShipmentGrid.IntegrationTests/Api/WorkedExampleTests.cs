using System.Diagnostics;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>The README's worked example, run exactly as written against a fresh API process in its embedded default.</summary>
public sealed class WorkedExampleTests
{
    private const string Start = "<!-- walkthrough:start -->";
    private const string End = "<!-- walkthrough:end -->";

    [Fact]
    public async Task The_readme_walk_from_booking_to_posted_and_released_invoices_and_a_service_case_runs_as_written()
    {
        var script = ReadWalkthrough();
        var environment = new Dictionary<string, string>
        {
            ["Orleans__SiloPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
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
        using var bash = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        await bash.StandardInput.WriteAsync(script);
        bash.StandardInput.Close();
        var output = bash.StandardOutput.ReadToEndAsync();
        var errors = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await bash.WaitForExitAsync(timeout.Token);

        var transcript = $"{await output}\n--- stderr ---\n{await errors}\n--- api ---\n{api.Output}";
        Assert.True(bash.ExitCode == 0, transcript);
        var stdout = await output;
        Assert.Contains("\"invoiceNumber\":\"INV-SHP-1001\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"OnHold\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"DeliveryException\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"rejection\":\"forbidden\"", stdout, StringComparison.Ordinal);
    }

    private static string ReadWalkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        var from = readme.IndexOf(Start, StringComparison.Ordinal);
        var to = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, "README.md has no walkthrough block");
        var block = readme[(from + Start.Length)..to];
        var fence = block.IndexOf("```bash", StringComparison.Ordinal);
        var close = block.LastIndexOf("```", StringComparison.Ordinal);
        Assert.True(fence >= 0 && close > fence, "the walkthrough block holds no bash code");
        return block[(fence + "```bash".Length)..close];
    }
}
