using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

/// <summary>Free text is bounded wherever it enters: refused when over its bound, and cut when the grid keeps a refused event.</summary>
public sealed class FreeTextBoundsTests
{
    [Fact]
    public void Lengths_name_every_text_over_its_bound_and_nothing_else()
    {
        var huge = Milestone("e1", MilestoneType.PickedUp, Start) with
        {
            Notes = new string('n', 1_000_000),
            ReasonCode = new string('r', 33),
            Location = new Location(new string('c', 101), null, "US", null),
        };

        Assert.Equal(["location.city", "notes", "reasonCode"], ShipmentValidation.ValidateLengths(huge).Keys.Order(StringComparer.Ordinal));
        Assert.Empty(ShipmentValidation.ValidateLengths(Milestone("e1", (MilestoneType)42, default)));
    }

    [Fact]
    public void A_dead_letter_keeps_a_bounded_prefix_of_each_text_and_ids_that_stay_invalid()
    {
        var huge = Milestone(new string('e', 10_000), MilestoneType.PickedUp, Start) with
        {
            Notes = "start" + new string('n', 1_000_000),
            Location = new Location(new string('c', 5_000), new string('s', 5_000), new string('C', 5_000), new string('p', 5_000)),
        };

        var changes = DeadLetters.Keep(huge, new string('r', 100_000), Start);

        var kept = Assert.Single(changes.OfType<KeepDeadLetter>());
        Assert.Equal(ShipmentValidation.MaxNotesLength, kept.CarrierEvent.Notes?.Length);
        Assert.StartsWith("start", kept.CarrierEvent.Notes, StringComparison.Ordinal);
        Assert.True(kept.CarrierEvent.EventId.Length is > ShipmentValidation.MaxEventIdLength and <= 256);
        Assert.Contains("eventId", ShipmentValidation.Validate(kept.CarrierEvent).Keys);
        Assert.True(kept.CarrierEvent.Location!.City.Length <= 100 && kept.CarrierEvent.Location.PostalCode!.Length <= 20);
        Assert.True(kept.Reason.Length <= 1_000);
        Assert.True(Assert.Single(changes.OfType<OpenExceptionItem>()).Item.Reason.Length <= 1_000);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 9) + "\U0001F69A";

        Assert.Equal(new string('a', 9), ShipmentValidation.Cut(text, 10));
    }

    [Fact]
    public void A_resolution_is_required_and_bounded()
    {
        Assert.Equal(["resolution"], ShipmentValidation.ValidateResolution(" ").Keys);
        Assert.Equal(["resolution"], ShipmentValidation.ValidateResolution(new string('r', ShipmentValidation.MaxResolutionLength + 1)).Keys);
        Assert.Empty(ShipmentValidation.ValidateResolution("Re-delivered."));
    }
}
