using Orleans.Configuration;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// Membership defaults for PostgreSQL mode: a silo killed outright is declared dead, and its grains served by the
/// survivors, within about five seconds, while a silo that is merely slow (GC, CPU starved, busy) is not. Every value
/// can be overridden under <c>Orleans:Membership</c> (silos) and <c>Orleans:Gateway</c> (clients). Measured in
/// BENCHMARKS.md ("Failover after kill -9").
/// </summary>
internal static class ClusterFailureDetection
{
    public const string Section = $"{GridOptions.Section}:Membership";

    public const string GatewaySection = $"{GridOptions.Section}:Gateway";

    /// <summary>A stopping silo gives each grain this long to finish its turn before the host's own timeout.</summary>
    public static readonly TimeSpan DeactivationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Clients re-read the live gateways this often, so they stop offering calls to a dead silo's gateway.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    public static void Apply(ClusterMembershipOptions options)
    {
        // A probe every second; three missed in a row (about 3 s of silence) make a suspect. Orleans adapts each
        // probe's timeout to the observed round trips (up to four times this), so a loaded but live silo gets longer.
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 3;

        // Guards against false death declarations under load: a silo whose own health is degraded extends its
        // probe timeouts instead of voting, a failed direct probe is checked through another silo, and a silo
        // still sending messages on its connection is not suspected at all.
        options.ExtendProbeTimeoutDuringDegradation = true;
        options.EnableIndirectProbes = true;
        options.EnableConnectionLivenessCheck = true;

        // Each silo watches three others and two independent votes declare a death (one when only two silos are
        // left); a lone vote that nobody confirms within ten seconds expires instead of lingering for two minutes.
        options.NumProbedSilos = 3;
        options.NumVotesForDeathDeclaration = 2;
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);

        // The table is the fallback when gossip misses a silo: read and heartbeat every five seconds, a few cheap
        // single-row queries per silo, instead of once a minute and every five minutes.
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
