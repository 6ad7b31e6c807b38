using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL server for one test run, or the server named by <c>SHIPMENTGRID_TEST_PG</c>.
/// Test classes stay isolated by asking for a fresh database each.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime
{
    public const string ExternalServerVariable = "SHIPMENTGRID_TEST_PG";
    private const string InstallCommand = "apt-get install -y postgresql";
    private const string ServiceUser = "postgres";

    private static readonly TimeSpan ReadinessDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ReadinessPollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(90);

    private readonly bool _alwaysThrowaway;
    private readonly string? _alsoListenOn;
    private string? _root;
    private string? _pgCtl;
    private bool _stopped;

    public PostgresServer()
    {
    }

    private PostgresServer(bool alwaysThrowaway, string? alsoListenOn = null)
    {
        _alwaysThrowaway = alwaysThrowaway;
        _alsoListenOn = alsoListenOn;
    }

    /// <summary>
    /// A server of its own, never the shared external one: for tests that stop it. With <paramref name="alsoListenOn"/>
    /// it also listens on that address and trusts its /24, for processes in network namespaces (<see cref="IsolatedNetwork"/>).
    /// </summary>
    public static PostgresServer Dedicated(string? alsoListenOn = null) => new(alwaysThrowaway: true, alsoListenOn);

    /// <summary>Connection string of the server's maintenance database (<c>postgres</c>), as a superuser.</summary>
    private int _port;

    public string AdminConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var external = _alwaysThrowaway ? null : Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
            await WaitUntilReadyAsync();
            return;
        }

        var binaries = FindBinaries();
        _pgCtl = Path.Combine(binaries, "pg_ctl");
        _root = Directory.CreateTempSubdirectory("shipmentgrid-pg-").FullName;
        var dataDirectory = Path.Combine(_root, "data");
        var port = LoopbackPorts.Next();

        // PostgreSQL refuses to run as root, so under root the server runs as the postgres OS user,
        // which must own the data folder.
        if (RunsAsRoot)
        {
            await RunAsync("chown", [$"{ServiceUser}:", _root], asServiceUser: false);
        }

        await RunAsync(Path.Combine(binaries, "initdb"),
            ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
        _port = port;
        if (_alsoListenOn is not null)
        {
            var subnet = string.Join('.', _alsoListenOn.Split('.')[..3]);
            await File.AppendAllTextAsync(Path.Combine(dataDirectory, "pg_hba.conf"), $"host all all {subnet}.0/24 trust\n");
        }

        await StartServerAsync();

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
        }.ConnectionString;
        await WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is null || _pgCtl is null)
        {
            return;
        }

        try
        {
            if (!_stopped)
            {
                await RunAsync(_pgCtl, ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>Stops the server, as an outage would, leaving clients' connections broken.</summary>
    public async Task StopServerAsync()
    {
        if (_root is null || _pgCtl is null)
        {
            throw new InvalidOperationException("Only a throwaway server can be stopped; use PostgresServer.Dedicated().");
        }

        await RunAsync(_pgCtl, ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"]);
        _stopped = true;
    }

    /// <summary>Starts the throwaway server (again, after <see cref="StopServerAsync"/>) on its data and port.</summary>
    public async Task StartServerAsync()
    {
        if (_root is null || _pgCtl is null)
        {
            throw new InvalidOperationException("Only a throwaway server can be started; use PostgresServer.Dedicated().");
        }

        await RunAsync(_pgCtl,
            ["-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
             "-o", $"-p {_port} -k {_root} -c listen_addresses='127.0.0.1{(_alsoListenOn is null ? "" : "," + _alsoListenOn)}'", "start"]);
        _stopped = false;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        if (!DatabasePrefix().IsMatch(prefix))
        {
            throw new ArgumentException("Use a short lower-case prefix (a-z, 0-9, _).", nameof(prefix));
        }

        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    private static bool RunsAsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private async Task WaitUntilReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (deadline.Elapsed < ReadinessDeadline)
            {
                await Task.Delay(ReadinessPollInterval);
            }
        }
    }

    private static string FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .OrderByDescending(version => int.TryParse(Path.GetFileName(version), out var major) ? major : 0)
                    .Select(version => Path.Combine(version, "bin"))
                : []);

        foreach (var directory in candidates)
        {
            var initdb = Path.Combine(directory, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                // initdb finds the postgres binary next to its real location, so follow links on PATH.
                var target = File.ResolveLinkTarget(initdb, returnFinalTarget: true)?.FullName ?? initdb;
                return Path.GetDirectoryName(target)!;
            }
        }

        throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin. " +
            $"Install them with: {InstallCommand} (or set {ExternalServerVariable} to a connection string of a running server).");
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, bool asServiceUser = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asServiceUser && RunsAsRoot)
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", ServiceUser, "--", fileName })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(ToolDeadline);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatabasePrefix();
}
