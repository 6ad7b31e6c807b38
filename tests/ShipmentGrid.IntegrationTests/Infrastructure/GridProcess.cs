using System.Diagnostics;
using System.Globalization;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>
/// A Shipment Grid host (Silo or API) as a separate OS process, configured only through environment
/// variables, as in production. Killing it is a real SIGKILL: no graceful shutdown, no deregistration.
/// </summary>
internal sealed class GridProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly List<string> output = [];

    private readonly string host;

    private GridProcess(Process process, string name, string host, int httpPort, int siloPort)
    {
        this.process = process;
        this.host = host;
        Name = name;
        HttpPort = httpPort;
        SiloPort = siloPort;
    }

    public string Name { get; }

    public int HttpPort { get; }

    /// <summary>The silo-to-silo port for a Silo process (0 for others): how a silo address maps to its process.</summary>
    public int SiloPort { get; }

    public Uri BaseAddress => new($"http://{host}:{HttpPort}/");

    public bool HasExited => process.HasExited;

    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join(Environment.NewLine, output);
            }
        }
    }

    /// <summary>How many lines the process has written so far (stdout and stderr).</summary>
    public int LineCount
    {
        get
        {
            lock (output)
            {
                return output.Count;
            }
        }
    }

    public IReadOnlyList<string> LinesFrom(int first)
    {
        lock (output)
        {
            return output.Skip(first).ToList();
        }
    }

    /// <summary>
    /// Starts the process in <paramref name="workingDirectory"/> (the test's own folder when null), listening on the
    /// port given by <c>ASPNETCORE_URLS</c>, as a container or service manager would set it; in <paramref name="network"/>'s
    /// namespace, listening on its address there, when given.
    /// </summary>
    public static GridProcess Start(
        string name,
        string projectFolder,
        string assemblyName,
        IReadOnlyDictionary<string, string> environment,
        int siloPort = 0,
        string? workingDirectory = null,
        ProcessNetwork? network = null,
        params string[] arguments)
    {
        var httpPort = LoopbackPorts.Next();
        var host = network?.Address ?? "127.0.0.1";
        var start = new ProcessStartInfo(network is null ? "dotnet" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (network is not null)
        {
            // ip netns exec runs dotnet itself (exec, same process id), so a kill still hits the grid process.
            foreach (var argument in new[] { "netns", "exec", network.Namespace, "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(RepositoryLayout.ProjectOutput(projectFolder, assemblyName));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://{host}:{httpPort}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Auth__BootstrapKey"] = TestKeys.Admin;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var grid = new GridProcess(process, name, host, httpPort, siloPort);
        process.OutputDataReceived += (_, line) => grid.Append(line.Data);
        process.ErrorDataReceived += (_, line) => grid.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return grid;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200, failing early with the process output if it exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan deadline)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Holds(
            async () =>
            {
                if (process.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"{Name} exited with code {process.ExitCode}:\n{Output}");
                }

                using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative));
                return response.IsSuccessStatusCode;
            },
            deadline,
            $"{Name} ready");
    }

    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>SIGTERM, what a service manager or <c>docker stop</c> sends to ask for a graceful stop.</summary>
    public async Task TerminateAsync()
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-s", "TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL, like <c>kill -9</c>.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Add(line);
        }
    }
}
