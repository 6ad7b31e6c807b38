using ShipmentGrid.Edi;
using static ShipmentGrid.Tests.Edi.X12Samples;

namespace ShipmentGrid.Tests.Edi;

public sealed class X12ReaderTests
{
    private static readonly string TwoGroups = Interchange(
        Group("QM", "1", "004010", Status214("0001"), Status214("0002", status: "AF")),
        Group("IM", "2", "004010", Invoice210("0001")));

    private static string Rejection(string raw) => X12Reader.Read(raw, Senders).Rejection ?? "(accepted)";

    [Fact]
    public void A_well_formed_interchange_is_read_with_all_its_groups_and_sets()
    {
        var read = X12Reader.Read(TwoGroups, Senders);

        Assert.Null(read.Rejection);
        var interchange = read.Interchange!;
        Assert.Equal(new X12Delimiters('*', '>', '~', null), interchange.Envelope.Delimiters);
        Assert.Equal("ACME", interchange.Envelope.SenderId);
        Assert.Equal("SHIPGRID", interchange.Envelope.ReceiverId);
        Assert.Equal(["QM", "IM"], interchange.Groups.Select(group => group.FunctionalId));
        Assert.Equal(["0001", "0002"], interchange.Groups[0].Sets.Select(set => set.ControlNumber));
        Assert.Equal("B10", interchange.Groups[0].Sets[0].Segments[1].Id);
        Assert.Equal("SHP-1", interchange.Groups[0].Sets[0].Segments[1].Element(2));
        Assert.Equal(string.Empty, interchange.Groups[0].Sets[0].Segments[1].Element(9));
    }

    [Theory]
    [InlineData("~")]
    [InlineData("~\n")]
    [InlineData("~\r\n")]
    public void Line_breaks_after_terminators_are_not_data(string terminator)
    {
        var raw = TwoGroups.Replace("~", terminator, StringComparison.Ordinal);

        var read = X12Reader.Read("\uFEFF\r\n" + raw, Senders);

        Assert.Null(read.Rejection);
        Assert.Equal(3, read.Interchange!.Groups.Sum(group => group.Sets.Length));
        Assert.Equal("IL", read.Interchange.Groups[0].Sets[0].Segments[6].Element(2));
    }

    [Fact]
    public void Delimiters_are_whatever_the_ISA_says()
    {
        var raw = TwoGroups.Replace('*', '|').Replace('~', '!');

        var read = X12Reader.Read(raw, Senders);

        Assert.Null(read.Rejection);
        Assert.Equal(new X12Delimiters('|', '>', '!', null), read.Interchange!.Envelope.Delimiters);
        Assert.Equal("PRO123", read.Interchange.Groups[0].Sets[0].Segments[1].Element(1));
    }

    [Fact]
    public void Version_5010_reads_ISA11_as_the_repetition_separator_and_keeps_repeated_values_whole()
    {
        var raw = Interchange(
            "000000005",
            "00501",
            '^',
            Group("QM", "1", "005010", Set("214", "0001", "B10*PRO1*SHP-1*ACME", "L11*A^B*PO", "LX*1", "AT7*D1*NS***20250109*1430*CT")));

        var read = X12Reader.Read(raw, Senders);

        Assert.Null(read.Rejection);
        Assert.Equal('^', read.Interchange!.Envelope.Delimiters.Repetition);
        Assert.Equal("A^B", read.Interchange.Groups[0].Sets[0].Segments[2].Element(1));
    }

    [Fact]
    public void Version_4010_has_no_repetition_separator()
    {
        Assert.Null(X12Reader.Read(TwoGroups, Senders).Interchange!.Envelope.Delimiters.Repetition);
    }

    [Theory]
    [InlineData("GS*QM", "Malformed ISA: the interchange does not start with ISA.")]
    [InlineData("ISA*00*", "Malformed ISA: 7 characters")]
    public void A_missing_or_short_ISA_rejects_the_interchange(string raw, string reason)
    {
        Assert.StartsWith(reason, Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void An_ISA_that_is_not_fixed_width_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("*ACME           *", "*ACME          *", StringComparison.Ordinal) + " ";

        Assert.Contains("ISA06 has 14 characters, fixed width is 15", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void An_ISA_with_a_non_numeric_control_number_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("*000000001*0*P", "*00000000X*0*P", StringComparison.Ordinal);

        Assert.Contains("ISA13", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_interchange_version_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("*U*00401*", "*U*00200*", StringComparison.Ordinal);

        Assert.Contains("Unsupported interchange version ISA12 '00200'", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void Separators_that_collide_reject_the_interchange()
    {
        var raw = TwoGroups.Replace("*P*>~", "*P***", StringComparison.Ordinal);

        Assert.Contains("Malformed ISA", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void ISA13_must_equal_IEA02()
    {
        var raw = TwoGroups.Replace("IEA*2*000000001~", "IEA*2*000000002~", StringComparison.Ordinal);

        Assert.Contains("Interchange control number mismatch", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void IEA01_must_count_the_groups()
    {
        var raw = TwoGroups.Replace("IEA*2*", "IEA*3*", StringComparison.Ordinal);

        Assert.Contains("IEA01 says '3' functional groups, the interchange has 2", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void GS06_must_equal_GE02()
    {
        var raw = TwoGroups.Replace("GE*1*2~", "GE*1*9~", StringComparison.Ordinal);

        Assert.Contains("Group control number mismatch: GS06 '2', GE02 '9'", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void GE01_must_count_the_sets()
    {
        var raw = TwoGroups.Replace("GE*2*1~", "GE*1*1~", StringComparison.Ordinal);

        Assert.Contains("GE01 says '1' transaction sets, group 1 has 2", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void ST02_must_equal_SE02()
    {
        var raw = TwoGroups.Replace("SE*9*0002~", "SE*9*0003~", StringComparison.Ordinal);

        Assert.Contains("ST02 '0002', SE02 '0003'", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void SE01_must_count_the_segments_from_ST_to_SE()
    {
        var raw = TwoGroups.Replace("SE*9*0001~", "SE*8*0001~", StringComparison.Ordinal);

        Assert.Contains("SE01 says '8' segments, set 0001 has 9", Rejection(raw), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IEA*2*000000001~", "IEA missing")]
    [InlineData("GE*1*2~IEA*2*000000001~", "GE missing for group 2")]
    [InlineData("SE*12*0001~GE*1*2~IEA*2*000000001~", "SE missing for transaction set 0001 in group 2")]
    [InlineData("L3*1200*G***165000~SE*12*0001~GE*1*2~IEA*2*000000001~", "SE missing")]
    public void A_truncated_interchange_is_rejected(string cutTail, string reason)
    {
        var raw = TwoGroups[..^cutTail.Length];

        Assert.Contains(reason, Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_whose_SE_is_missing_before_the_next_ST_is_truncated()
    {
        var raw = TwoGroups.Replace("SE*9*0001~", string.Empty, StringComparison.Ordinal);

        Assert.Contains("SE missing for transaction set 0001 in group 1", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_sender_in_ISA06_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("*ACME           *", "*ROGUE          *", StringComparison.Ordinal);

        var read = X12Reader.Read(raw, Senders);

        Assert.Equal("Sender ISA06 'ROGUE' is not the expected carrier.", read.Rejection);
        Assert.Equal("ROGUE", read.SenderId);
        Assert.Equal("000000001", read.ControlNumber);
    }

    [Fact]
    public void A_foreign_sender_in_GS02_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("GS*IM*ACME*", "GS*IM*ROGUE*", StringComparison.Ordinal);

        Assert.Contains("Sender GS02 'ROGUE' of group 2", Rejection(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sender_may_be_any_of_the_carriers_ids_in_any_case()
    {
        var raw = TwoGroups.Replace("*ACME           *", "*123456789      *", StringComparison.Ordinal).Replace("GS*QM*ACME*", "GS*QM*acme*", StringComparison.Ordinal);

        Assert.Null(X12Reader.Read(raw, ["ACME", "123456789"]).Rejection);
    }

    [Fact]
    public void Data_after_IEA_rejects_the_interchange()
    {
        Assert.Contains("Data after IEA", Rejection(TwoGroups + "GS*QM~"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_outside_any_group_or_set_rejects_the_interchange()
    {
        var outsideGroup = TwoGroups.Replace("~GS*QM", "~B10*X~GS*QM", StringComparison.Ordinal);
        var outsideSet = TwoGroups.Replace("~ST*214*0001", "~B10*X~ST*214*0001", StringComparison.Ordinal);

        Assert.Contains("outside a functional group", Rejection(outsideGroup), StringComparison.Ordinal);
        Assert.Contains("outside a transaction set", Rejection(outsideSet), StringComparison.Ordinal);
    }

    [Fact]
    public void A_control_number_used_twice_rejects_the_interchange()
    {
        var twiceInGroup = Interchange(Group("QM", "1", "004010", Status214("0001"), Status214("0001")));
        var twoGroupsOneNumber = Interchange(Group("QM", "1", "004010", Status214("0001")), Group("QM", "01", "004010", Status214("0001")));

        Assert.Contains("ST02 '0001' is used twice", Rejection(twiceInGroup), StringComparison.Ordinal);
        Assert.Contains("GS06 '01' is used twice", Rejection(twoGroupsOneNumber), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_segment_rejects_the_interchange()
    {
        var raw = TwoGroups.Replace("~LX*1~", "~L?*1~", StringComparison.Ordinal);

        Assert.Contains("Malformed segment 'L?*1'", Rejection(raw), StringComparison.Ordinal);
    }
}
