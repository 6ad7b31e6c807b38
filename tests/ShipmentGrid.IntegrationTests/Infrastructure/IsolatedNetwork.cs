using System.Diagnostics;
using System.Globalization;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>
/// A network a test builds for itself (root only): a bridge with the host's address on it, and for each process that
/// must be able to lose the network a namespace of its own, joined to the bridge by a veth pair. Taking the host end of
/// a pair down cuts that namespace off from everything, its peers and the database alike, as a failed switch port
/// would; bringing it up heals it. Names and the subnet are drawn per instance, so two test runs do not share them.
/// </summary>
internal sealed class IsolatedNetwork : IAsyncDisposable
{
    private readonly int id;
    private readonly HashSet<int> namespaces = [];

    private IsolatedNetwork(int id) => this.id = id;

    /// <summary>The host's address on the bridge: where processes in a namespace reach PostgreSQL and the test.</summary>
    public string HostAddress => $"10.79.{id}.1";

    private string Bridge => $"sgt{id}";

    public static async Task<IsolatedNetwork> CreateAsync()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("Network namespaces need root on Linux; the README's test command runs the suite as root.");
        }

        var network = new IsolatedNetwork(Random.Shared.Next(1, 250));
        await TryRunAsync("link", "delete", network.Bridge);
        await RunAsync("link", "add", network.Bridge, "type", "bridge");
        await RunAsync("addr", "add", $"{network.HostAddress}/24", "dev", network.Bridge);
        await RunAsync("link", "set", network.Bridge, "up");
        return network;
    }

    /// <summary>Place <paramref name="slot"/>'s namespace, created on first use and kept across restarts of what runs in it.</summary>
    public async Task<ProcessNetwork> PlaceAsync(int slot)
    {
        var space = Namespace(slot);
        if (namespaces.Add(slot))
        {
            await TryRunAsync("netns", "delete", space);
            await RunAsync("netns", "add", space);
            await RunAsync("link", "add", Veth(slot), "type", "veth", "peer", "name", "eth0", "netns", space);
            await RunAsync("link", "set", Veth(slot), "master", Bridge, "up");
            await RunAsync("-n", space, "addr", "add", $"{AddressOf(slot)}/24", "dev", "eth0");
            await RunAsync("-n", space, "link", "set", "lo", "up");
            await RunAsync("-n", space, "link", "set", "eth0", "up");
        }

        return new ProcessNetwork(space, AddressOf(slot), HostAddress);
    }

    /// <summary>Cuts <paramref name="slot"/> off: nothing in its namespace reaches anything outside, nor is reached.</summary>
    public Task IsolateAsync(int slot) => RunAsync("link", "set", Veth(slot), "down");

    public Task HealAsync(int slot) => RunAsync("link", "set", Veth(slot), "up");

    public async ValueTask DisposeAsync()
    {
        foreach (var slot in namespaces)
        {
            await TryRunAsync("netns", "delete", Namespace(slot));
        }

        await TryRunAsync("link", "delete", Bridge);
    }

    private string Namespace(int slot) => $"sgt{id}-{slot}";

    private string Veth(int slot) => $"sgt{id}v{slot}";

    private string AddressOf(int slot) => string.Create(CultureInfo.InvariantCulture, $"10.79.{id}.{10 + slot}");

    private static async Task RunAsync(params string[] arguments)
    {
        var (exitCode, error) = await ExecuteAsync(arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} exited with {exitCode}: {error}");
        }
    }

    /// <summary>For clean-up of what may not exist (a bridge or namespace a crashed run left, or never made).</summary>
    private static async Task TryRunAsync(params string[] arguments) => await ExecuteAsync(arguments);

    private static async Task<(int ExitCode, string Error)> ExecuteAsync(string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}

/// <summary>Where a process runs: its network namespace, its own address there, and the host's address it reaches PostgreSQL on.</summary>
internal sealed record ProcessNetwork(string Namespace, string Address, string HostAddress);
