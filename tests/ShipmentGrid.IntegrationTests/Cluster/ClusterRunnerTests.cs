using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// The newcomer's cluster runner (issue 9, point 2): <c>tools/cluster/grid-cluster.sh</c> starts PostgreSQL, the schema,
/// two silos and the API; the printed key books through the API; a killed silo's shipment is served by the survivor and
/// the silo comes back on restart; as root, an isolated silo is cut off (its health unreachable) and heals; stop and start
/// restart the whole cluster on its own data, which still serves the booking; down removes everything it made. A name
/// lookup in a silo's namespace fails at once rather than waiting for the host's resolver, which it cannot reach, and
/// the billing escalation sweep, started in the background once the silos are active, is registered once and kept. The
/// silos and the API run from the ReadyToRun publish, as the container image ships them, not from the JIT-only build.
/// </summary>
/// <remarks>
/// In the shared collection although it starts its own PostgreSQL: its processes then start one after another with the
/// other process tests', not beside them, which on a two-core machine is the difference between seconds and minutes.
/// </remarks>
[Collection(SharedPostgres.Name)]
public sealed partial class ClusterRunnerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"sg-runner-{Guid.NewGuid():N}"[..20]);
    private readonly int apiPort = LoopbackPorts.Next();
    private readonly int pgPort = LoopbackPorts.Next();
    private readonly int portBase = 43_000 + Random.Shared.Next(0, 900);
    private string postgresHost = string.Empty;

    [Fact]
    public async Task Up_gives_a_working_cluster_whose_silos_can_be_killed_restarted_isolated_and_healed_that_restarts_whole_and_down_removes_it()
    {
        try
        {
            var up = await RunAsync("up", "2");
            var key = AdminKey().Match(up).Value;
            Assert.StartsWith("sgk_", key, StringComparison.Ordinal);
            postgresHost = PostgresAddress().Match(up).Groups["host"].Value;
            Assert.NotEmpty(postgresHost);
            foreach (var process in new[] { "silo-1", "silo-2", "api" })
            {
                var assembly = AssemblyRun(process);
                Assert.True(IsReadyToRun(assembly), $"{process} runs {assembly}, which has no ahead-of-time code");
                Assert.True(IsReadyToRun(Path.Combine(Path.GetDirectoryName(assembly)!, "Orleans.Runtime.dll")), $"{process}'s Orleans.Runtime.dll has no ahead-of-time code");
            }
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/"), Timeout = TimeSpan.FromSeconds(40) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using (var customer = await http.PostAsJsonAsync(new Uri("api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-RUNNER")))
            using (var booked = await http.PostAsJsonAsync(new Uri("api/v1/shipments", UriKind.Relative), SampleBookings.Booking("S-RUNNER", "C-RUNNER")))
            {
                Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (customer.StatusCode, booked.StatusCode));
            }

            // The billing escalation sweep starts once the silos are active, not before they answer: its reminder
            // reaches PostgreSQL shortly after, once for the whole cluster.
            await Eventually.Holds(async () => await EscalationSweepsAsync() == 1, Deadline, "the billing escalation sweep's reminder in PostgreSQL");

            Assert.Contains("silo 1 killed", await RunAsync("kill", "1"), StringComparison.Ordinal);
            await Eventually.Holds(
                async () => (await http.GetAsync(new Uri("api/v1/shipments/S-RUNNER", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
                Deadline,
                "the shipment served by the surviving silo");
            await RunAsync("restart", "1");
            Assert.Equal(2, ReadySilo().Count(await RunAsync("status")));

            if (Environment.UserName == "root")
            {
                await RunAsync("isolate", "2");
                Assert.Contains("isolated", await RunAsync("status"), StringComparison.Ordinal);
                await RunAsync("heal", "2");
                await Eventually.Holds(async () => ReadySilo().Count(await RunAsync("status")) == 2, Deadline, "silo 2 ready again after the heal");

                // A name /etc/hosts does not answer is refused at once in a silo's namespace (getent: 2), not after the
                // host's resolver, out of the namespace's reach, times out (timeout: 124); that wait held each silo's start 10 s.
                Assert.Contains("exit 2", await ShellAsync("timeout 4 ip netns exec sg-silo-1 getent ahosts name.invalid; echo \"exit $?\""), StringComparison.Ordinal);
            }

            Assert.Contains("cluster stopped", await RunAsync("stop"), StringComparison.Ordinal);
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri("api/v1/shipments/S-RUNNER", UriKind.Relative)));
            Assert.Contains("cluster started again", await RunAsync("start"), StringComparison.Ordinal);
            using (var served = await http.GetAsync(new Uri("api/v1/shipments/S-RUNNER", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, served.StatusCode);
                Assert.Contains("C-RUNNER", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Equal(1, await EscalationSweepsAsync());

            Assert.Contains("cluster down", await RunAsync("down"), StringComparison.Ordinal);
            Assert.False(Directory.Exists(directory));
            Assert.DoesNotContain("sg-silo-", await ShellAsync("ip netns list 2>/dev/null || true"), StringComparison.Ordinal);
            Assert.False(Directory.Exists("/etc/netns/sg-silo-1"), "the namespace's resolver file outlived it");
        }
        finally
        {
            await RunAsync("down");
        }
    }

    /// <summary>Runs the script with this test's directory and ports; a non-zero exit fails with its output.</summary>
    private async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryLayout.Root };
        start.ArgumentList.Add(Path.Combine(RepositoryLayout.Root, "tools", "cluster", "grid-cluster.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GRID_CLUSTER_DIR"] = directory;
        start.Environment["GRID_CLUSTER_API_PORT"] = apiPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["GRID_CLUSTER_PG_PORT"] = pgPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["GRID_CLUSTER_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture);
        start.Environment["GRID_CLUSTER_NO_BUILD"] = "1";
        start.Environment["Auth__BootstrapKey"] = null;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new Xunit.Sdk.XunitException($"grid-cluster.sh {string.Join(' ', arguments)} did not finish within 4 minutes:\n{await output}{await error}\n{Logs()}");
        }

        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"grid-cluster.sh {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}\n{Logs()}");
        return text;
    }

    /// <summary>
    /// The billing escalation sweep's reminders in the cluster's database (one, whatever the silos and restarts); on a
    /// connection of its own each time, as the cluster's PostgreSQL is stopped and started in between.
    /// </summary>
    private async Task<long> EscalationSweepsAsync()
    {
        var counts = await Sql.QueryAsync(
            $"Host={postgresHost};Port={pgPort};Username=postgres;Database=shipmentgrid;Pooling=false",
            "SELECT count(*) FROM shipmentgrid.reminder WHERE reminder_name = 'billing-escalation'",
            reader => reader.GetInt64(0));
        return counts[0];
    }

    /// <summary>The assembly a process of the cluster runs (its pid file names it; `dotnet ASSEMBLY` is its command line).</summary>
    private string AssemblyRun(string process)
    {
        var pid = File.ReadAllText(Path.Combine(directory, $"{process}.pid")).Trim();
        return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Single(argument => argument.EndsWith(".dll", StringComparison.Ordinal));
    }

    /// <summary>Whether an assembly carries code compiled ahead of time: a ReadyToRun image has a managed native header.</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var reader = new PEReader(stream);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    private string Logs() =>
        Directory.Exists(directory)
            ? string.Join('\n', Directory.GetFiles(directory, "*.log").Select(file => $"--- {Path.GetFileName(file)}\n{string.Join('\n', File.ReadLines(file).TakeLast(20))}"))
            : string.Empty;

    private static async Task<string> ShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    [GeneratedRegex("sgk_[A-Za-z0-9_-]+")]
    private static partial Regex AdminKey();

    [GeneratedRegex(@"PostgreSQL on (?<host>[0-9.]+):\d+")]
    private static partial Regex PostgresAddress();

    [GeneratedRegex(@"^silo \d+ .*running, ready", RegexOptions.Multiline)]
    private static partial Regex ReadySilo();
}
