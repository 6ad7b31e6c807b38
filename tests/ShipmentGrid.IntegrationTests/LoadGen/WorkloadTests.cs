using ShipmentGrid.Tools.LoadGen;

namespace ShipmentGrid.IntegrationTests.LoadGen;

/// <summary>
/// How the load generator lays lifecycles out in rounds: staggered cohorts mix bookings and milestones in one round; a
/// single cohort (<c>--cohorts 1</c>) gives each step a round of its own, so each kind of write is measured alone.
/// </summary>
public sealed class WorkloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void One_cohort_books_every_shipment_in_the_first_round_and_sends_each_milestone_to_all_in_a_round_of_its_own()
    {
        var options = new LoadOptions { Shipments = 40, Customers = 4, Carriers = 3, Anomalies = false, Cohorts = 1 };
        var workload = Workload.Create(options, "LGT", Now);
        var rounds = Enumerable.Range(0, workload.RoundCount).Select(number => workload.Round(number, _ => true)).ToList();

        Assert.Equal((40, 0, 0), (rounds[0].Bookings.Count, rounds[0].Charges.Count, rounds[0].Events.Count));
        Assert.All(rounds.Skip(1), round => Assert.Empty(round.Bookings));
        var milestones = rounds.Select(round => round.Events.Select(planned => planned.Milestone).Distinct().ToList()).ToList();
        Assert.Equal([Milestone.PickedUp], milestones[1]);
        Assert.Equal([Milestone.InTransit], milestones[2]);
        Assert.Equal((40, 0), (rounds[2].Events.Count, rounds[2].Charges.Count));
        Assert.Equal([Milestone.Delivered], milestones[4]);
        Assert.Equal([Milestone.ProofOfDelivery], milestones[5]);
        Assert.Equal(40, rounds[5].Events.Count);
    }

    [Fact]
    public void Staggered_cohorts_mix_bookings_with_the_milestones_of_shipments_booked_earlier()
    {
        var options = new LoadOptions { Shipments = 40, Customers = 4, Carriers = 3, Anomalies = false };
        var workload = Workload.Create(options, "LGT", Now);

        var second = workload.Round(1, _ => true);

        Assert.Equal(options.Cohorts + 7, workload.RoundCount);
        Assert.Equal(40 / options.Cohorts, second.Bookings.Count);
        Assert.Equal([Milestone.PickedUp], second.Events.Select(planned => planned.Milestone).Distinct());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("many")]
    public void A_cohort_count_that_is_not_a_positive_number_is_refused(string value)
    {
        var (options, error) = LoadOptions.Parse(["--cohorts", value]);

        Assert.Null(options);
        Assert.StartsWith($"--cohorts {value}:", error, StringComparison.Ordinal);
    }
}
