using System.Collections.Immutable;
using ShipmentGrid.Edi;
using ShipmentGrid.Shipments;
using ShipmentGrid.Tests.Rules;
using static ShipmentGrid.Tests.Edi.X12Samples;

namespace ShipmentGrid.Tests.Edi;

public sealed class ShipmentStatusIntakeTests
{
    private static EdiSetResult OnlySet(EdiInterchangeResult result) => Assert.Single(Assert.Single(result.Groups).Sets);

    private static EdiInterchangeResult ReadOne(string set, string version = "004010") => Read(Interchange(Group("QM", "1", version, set)));

    [Fact]
    public void A_delivered_status_becomes_a_carrier_event_from_EDI()
    {
        var result = ReadOne(Status214("0001"));

        Assert.True(result.Accepted);
        var status = Assert.Single(result.Statuses);
        var carrierEvent = Assert.Single(result.CarrierEvents());
        Assert.Equal(status.Event, carrierEvent);
        Assert.Equal("CARR-ACME", carrierEvent.CarrierId);
        Assert.Equal("SHP-1", carrierEvent.ShipmentId);
        Assert.Equal(MilestoneType.Delivered, carrierEvent.Milestone);
        Assert.Null(carrierEvent.DeliveryException);
        Assert.Equal(new DateTimeOffset(2025, 1, 9, 14, 30, 0, TimeSpan.FromHours(-6)), carrierEvent.OccurredAt);
        Assert.Equal(ReceivedAt, carrierEvent.ReceivedAt);
        Assert.Equal(new Location("Chicago", "IL", "US", null), carrierEvent.Location);
        Assert.Equal("NS", carrierEvent.ReasonCode);
        Assert.Equal("Normal status", carrierEvent.Notes);
        Assert.Equal(EventSource.Edi, carrierEvent.Source);
        Assert.Equal(CarrierEvent.CurrentSchemaVersion, carrierEvent.SchemaVersion);
        Assert.StartsWith("edi214-", carrierEvent.EventId, StringComparison.Ordinal);
        Assert.Equal(("PRO123", "BOL77", "PO-9"), (status.ProNumber, status.BillOfLading, Assert.Single(status.PurchaseOrders)));
        Assert.Equal(("20250109", "1430", "CT"), (status.RawDate, status.RawTime, status.RawTimeCode));
        Assert.Equal(("ACME", "TRL42"), (status.EquipmentScac, status.EquipmentNumber));
        Assert.Equal(new EdiSetResult("214", "0001", EdiSetStatus.Accepted, null, null, 1, 0, []), OnlySet(result) with { Warnings = [] });
    }

    [Theory]
    [InlineData("X3", MilestoneType.Dispatched, null)]
    [InlineData("AF", MilestoneType.PickedUp, null)]
    [InlineData("X6", MilestoneType.InTransit, null)]
    [InlineData("X1", MilestoneType.ArrivedAtDelivery, null)]
    [InlineData("D1", MilestoneType.Delivered, null)]
    [InlineData("SD", null, ExceptionKind.Delayed)]
    [InlineData("AH", null, ExceptionKind.AttemptedDelivery)]
    [InlineData("A7", null, ExceptionKind.Refused)]
    [InlineData("A9", null, ExceptionKind.Damaged)]
    public void Status_codes_default_to_the_meanings_of_DOMAIN(string code, MilestoneType? milestone, ExceptionKind? exception)
    {
        var carrierEvent = Assert.Single(ReadOne(Status214("0001", status: code)).CarrierEvents());

        Assert.Equal((milestone, exception), (carrierEvent.Milestone, carrierEvent.DeliveryException));
    }

    [Fact]
    public void The_carriers_own_mapping_wins_over_the_defaults()
    {
        var carrier = SampleCarriers.Acme with
        {
            MilestoneCodes = SampleCarriers.Acme.MilestoneCodes.Add("CD", MilestoneType.Delivered),
            ExceptionCodes = SampleCarriers.Acme.ExceptionCodes.Add("X6", ExceptionKind.Other),
        };
        var context = Context() with { Carrier = carrier };

        var events = Read(Interchange(Group("QM", "1", "004010", Status214("0001", status: "CD"), Status214("0002", status: "X6"))), context)
            .CarrierEvents().ToList();

        Assert.Equal(MilestoneType.Delivered, events[0].Milestone);
        Assert.Equal(ExceptionKind.Other, events[1].DeliveryException);
    }

    [Theory]
    [InlineData("AG")]
    [InlineData("CD")]
    [InlineData("ZZ")]
    public void A_status_code_without_meaning_is_kept_with_a_warning_not_rejected(string code)
    {
        var result = ReadOne(Status214("0001", status: code));

        var set = OnlySet(result);
        Assert.Equal(EdiSetStatus.Accepted, set.Status);
        Assert.Equal(0, set.Events);
        Assert.Contains(set.Warnings, warning => warning.Contains($"status code '{code}'", StringComparison.Ordinal));
        Assert.Null(Assert.Single(result.Statuses).Event);
    }

    [Fact]
    public void An_unknown_reason_code_is_kept_with_a_warning()
    {
        var set = Set("214", "0001", "B10*PRO1*SHP-1*ACME", "LX*1", "AT7*SD*Q7***20250109*1430*UT");

        var result = ReadOne(set);

        Assert.Equal("Q7", Assert.Single(result.CarrierEvents()).ReasonCode);
        Assert.Contains(OnlySet(result).Warnings, warning => warning.Contains("reason code 'Q7'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_set_is_rejected_alone_while_the_others_proceed()
    {
        var noB10 = Set("214", "0002", "L11*BOL*BM", "LX*1", "AT7*D1*NS***20250109*1430*CT");

        var result = Read(Interchange(Group("QM", "1", "004010", Status214("0001"), noB10, Status214("0003", status: "AF"))));

        Assert.True(result.Accepted);
        var sets = Assert.Single(result.Groups).Sets;
        Assert.Equal([EdiSetStatus.Accepted, EdiSetStatus.Rejected, EdiSetStatus.Accepted], sets.Select(set => set.Status));
        Assert.Equal("B10 missing.", sets[1].Reason);
        Assert.Equal("5", sets[1].AckErrorCode);
        Assert.Equal(2, result.CarrierEvents().Count());
    }

    [Theory]
    [InlineData("B10***ACME|LX*1|AT7*D1*NS***20250109*1430*CT", "B1002 shipment id missing, and no PRO (B1001) or bill of lading (L11 BM) to find the shipment by.")]
    [InlineData("B10*PRO1*SHP-1*ACME|L11*X*BM", "AT7 missing: the set reports no status.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|MS1*Chicago*IL", "LX 1 has no AT7 status.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7**NS***20250109*1430*CT", "AT701 status code missing in LX 1.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***20250230*1430*CT", "AT705 date '20250230' in LX 1 is not a valid CCYYMMDD date.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***250109*1430*CT", "AT705 date '250109' in LX 1 is not a valid CCYYMMDD date.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***2025-01-09*1430*CT", "AT705 date '2025-01-09'")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***20250109*2460*CT", "AT706 time '2460' in LX 1 is not a valid HHMM or HHMMSS time.")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***20250109*930*CT", "AT706 time '930'")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***20250109**CT", "AT706 time ''")]
    [InlineData("B10*PRO1*SHP-1*ACME|LX*1|AT7*D1*NS***20250109*1430*XX", "AT707 in LX 1: Unknown time code 'XX'.")]
    public void A_malformed_214_is_rejected_with_its_reason(string body, string reason)
    {
        var set = OnlySet(ReadOne(Set("214", "0001", body.Split('|'))));

        Assert.Equal(EdiSetStatus.Rejected, set.Status);
        Assert.StartsWith(reason, set.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_status_for_another_SCAC_is_refused()
    {
        var set = OnlySet(ReadOne(Set("214", "0001", "B10*PRO1*SHP-1*OTHR", "LX*1", "AT7*D1*NS***20250109*1430*CT")));

        Assert.Equal(EdiSetStatus.Refused, set.Status);
        Assert.Contains("B1003 SCAC 'OTHR'", set.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_3070_reads_six_digit_dates_in_a_century_window_around_receipt()
    {
        var result = ReadOne(Status214("0001", date: "250109"), version: "003070");

        Assert.Equal(new DateOnly(2025, 1, 9), DateOnly.FromDateTime(Assert.Single(result.CarrierEvents()).OccurredAt.DateTime));
    }

    [Fact]
    public void Local_time_is_read_in_the_carriers_zone_with_a_warning_and_the_raw_value_kept()
    {
        var result = ReadOne(Status214("0001", date: "20250709", timeCode: "LT"));

        var status = Assert.Single(result.Statuses);
        Assert.Equal(new DateTimeOffset(2025, 7, 9, 14, 30, 0, TimeSpan.FromHours(-5)), status.OccurredAt);
        Assert.Equal("LT", status.RawTimeCode);
        Assert.Contains(OnlySet(result).Warnings, warning => warning.Contains("America/Chicago", StringComparison.Ordinal));
    }

    [Fact]
    public void No_time_code_is_local_time_too()
    {
        var result = ReadOne(Status214("0001", timeCode: string.Empty));

        Assert.Equal(TimeSpan.FromHours(-6), Assert.Single(result.Statuses).OccurredAt.Offset);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Mars/Olympus_Mons")]
    public void Local_time_without_a_usable_carrier_zone_rejects_the_set(string? zone)
    {
        var set = OnlySet(Read(Interchange(Group("QM", "1", "004010", Status214("0001", timeCode: "LT"))), Context(zone)));

        Assert.Equal(EdiSetStatus.Rejected, set.Status);
        Assert.Contains("carrier's time zone", set.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_LX_loops_give_one_status_each_with_their_own_location()
    {
        var set = Set(
            "214",
            "0001",
            "B10*PRO1*SHP-1*ACME",
            "LX*1",
            "AT7*AF*NS***20250107*0800*ES",
            "MS1*Toronto*ON*CAN",
            "LX*2",
            "AT7*X6*NS***20250108*0900*ET",
            "MS1*Monterrey*NL*MEX",
            "LX*3",
            "AT7*D1*NS***20250109*1000*PT",
            "MS1*Lyon**FRA");

        var result = ReadOne(set);

        Assert.Equal(["CA", "MX", null], result.Statuses.Select(status => status.Location?.Country));
        Assert.Contains(OnlySet(result).Warnings, warning => warning.Contains("MS103 country 'FRA'", StringComparison.Ordinal));
        Assert.Equal(3, OnlySet(result).Events);
    }

    [Fact]
    public void The_same_status_resent_in_a_new_interchange_gets_the_same_event_id()
    {
        var first = Read(Interchange("000000001", "00401", 'U', Group("QM", "1", "004010", Status214("0001"))));
        var resent = Read(Interchange("000000777", "00401", 'U', Group("QM", "55", "004010", Status214("0042", timeCode: "CS"))));
        var sameInstantInUtc = Read(Interchange(Group("QM", "1", "004010", Status214("0001", time: "2030", timeCode: "UT"))));
        var anotherStatus = Read(Interchange(Group("QM", "1", "004010", Status214("0001", status: "X1"))));
        var anotherTime = Read(Interchange(Group("QM", "1", "004010", Status214("0001", time: "1431"))));
        var anotherShipment = Read(Interchange(Group("QM", "1", "004010", Status214("0001", shipment: "SHP-2"))));

        var id = Assert.Single(first.CarrierEvents()).EventId;
        Assert.Equal(id, Assert.Single(resent.CarrierEvents()).EventId);
        Assert.Equal(id, Assert.Single(sameInstantInUtc.CarrierEvents()).EventId);
        ImmutableArray<string> others =
        [
            Assert.Single(anotherStatus.CarrierEvents()).EventId,
            Assert.Single(anotherTime.CarrierEvents()).EventId,
            Assert.Single(anotherShipment.CarrierEvents()).EventId,
        ];
        Assert.DoesNotContain(id, others);
        Assert.Equal(3, others.Distinct().Count());
    }

    [Fact]
    public void Groups_of_different_versions_are_read_in_one_interchange()
    {
        var result = Read(Interchange(
            "000000003",
            "00501",
            '^',
            Group("QM", "1", "003070", Status214("0001", date: "250109")),
            Group("QM", "2", "004010", Status214("0001")),
            Group("IM", "3", "005010", Invoice210("0001"))));

        Assert.True(result.Accepted);
        Assert.All(result.Groups.SelectMany(group => group.Sets), set => Assert.Equal((EdiSetStatus.Accepted, null), (set.Status, set.Reason)));
        Assert.Equal(2, result.CarrierEvents().Count());
        Assert.Single(result.Invoices);
    }

    [Fact]
    public void An_unsupported_group_or_version_is_rejected_with_its_sets_while_other_groups_proceed()
    {
        var result = Read(Interchange(
            Group("SH", "1", "004010", Set("856", "0001", "BSN*00*X")),
            Group("QM", "2", "002040", Status214("0001")),
            Group("QM", "3", "004010VICS", Status214("0001"))));

        Assert.Equal(["1", "2", null], result.Groups.Select(group => group.AckErrorCode));
        Assert.Equal(EdiSetStatus.Rejected, result.Groups[0].Sets[0].Status);
        Assert.Equal(EdiSetStatus.Rejected, result.Groups[1].Sets[0].Status);
        Assert.Equal(EdiSetStatus.Accepted, result.Groups[2].Sets[0].Status);
        Assert.Single(result.CarrierEvents());
    }

    [Fact]
    public void A_set_of_the_wrong_kind_for_its_group_is_rejected()
    {
        var set = OnlySet(Read(Interchange(Group("QM", "1", "004010", Invoice210("0001")))));

        Assert.Equal((EdiSetStatus.Rejected, "1"), (set.Status, set.AckErrorCode));
    }

    [Fact]
    public void An_envelope_rejection_takes_nothing_from_the_interchange()
    {
        var raw = Interchange(Group("QM", "1", "004010", Status214("0001"))).Replace("IEA*1*", "IEA*4*", StringComparison.Ordinal);

        var result = Read(raw);

        Assert.False(result.Accepted);
        Assert.Equal("000000001", result.ControlNumber);
        Assert.Equal("ACME", result.SenderId);
        Assert.Empty(result.Groups);
        Assert.Empty(result.Statuses);
    }

    [Fact]
    public void Test_data_is_flagged()
    {
        var raw = Interchange(Group("QM", "1", "004010", Status214("0001"))).Replace("*0*P*>~", "*0*T*>~", StringComparison.Ordinal);

        Assert.Contains("test data", Assert.Single(Read(raw).Warnings), StringComparison.Ordinal);
    }
}
