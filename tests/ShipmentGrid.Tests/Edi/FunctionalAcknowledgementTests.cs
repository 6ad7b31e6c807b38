using ShipmentGrid.Edi;
using static ShipmentGrid.Tests.Edi.X12Samples;

namespace ShipmentGrid.Tests.Edi;

public sealed class FunctionalAcknowledgementTests
{
    private static readonly DateTimeOffset CreatedAt = new(2025, 1, 10, 12, 5, 0, TimeSpan.Zero);

    private static readonly AckControlNumbers Controls = new(42, 7, 1);

    private static string Write(EdiInterchangeResult result) => FunctionalAcknowledgement.Write(result, Controls, CreatedAt)!;

    [Fact]
    public void The_997_reads_back_with_the_grids_own_reader_in_a_swapped_envelope()
    {
        var result = Read(Interchange(
            Group("QM", "1", "004010", Status214("0001"), Set("214", "0002", "LX*1"), Status214("0003", status: "ZZ")),
            Group("IM", "2", "004010", Invoice210("0001", total: "1"))));

        var ack = X12Reader.Read(Write(result), ["SHIPGRID"]);

        Assert.Null(ack.Rejection);
        var envelope = ack.Interchange!.Envelope;
        Assert.Equal(("ZZ", "SHIPGRID", "02", "ACME"), (envelope.SenderQualifier, envelope.SenderId, envelope.ReceiverQualifier, envelope.ReceiverId));
        Assert.Equal(("000000042", "00401"), (envelope.ControlNumber, envelope.Version));
        Assert.Equal(result.Envelope!.Delimiters, envelope.Delimiters);
        var group = Assert.Single(ack.Interchange.Groups);
        Assert.Equal(("FA", "SHIPGRID", "ACME", "7", "004010"), (group.FunctionalId, group.SenderId, group.ReceiverId, group.ControlNumber, group.Version));
        Assert.Equal(["0001", "0002"], group.Sets.Select(set => set.ControlNumber));
        Assert.Equal(
            ["ST*997*0001", "AK1*QM*1", "AK2*214*0001", "AK5*A", "AK2*214*0002", "AK5*R*5", "AK2*214*0003", "AK5*A", "AK9*P*3*3*2", "SE*10*0001"],
            group.Sets[0].Segments.Select(Text));
        Assert.Equal(["ST*997*0002", "AK1*IM*2", "AK2*210*0001", "AK5*A", "AK9*A*1*1*1", "SE*6*0002"], group.Sets[1].Segments.Select(Text));
    }

    [Fact]
    public void A_5010_acknowledgement_keeps_the_repetition_separator_and_other_delimiters()
    {
        var raw = Interchange("000000009", "00501", '^', Group("QM", "1", "005010", Status214("0001"))).Replace('*', '|').Replace("~", "~\r\n", StringComparison.Ordinal);
        var result = Read(raw);

        var text = Write(result);
        var ack = X12Reader.Read(text, ["SHIPGRID"]);

        Assert.Null(ack.Rejection);
        Assert.Equal(new X12Delimiters('|', '>', '~', '^'), ack.Interchange!.Envelope.Delimiters);
        Assert.StartsWith("ISA|00|", text, StringComparison.Ordinal);
        Assert.Contains("|^|00501|000000042|0|P|>~", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejected_group_is_acknowledged_R_with_its_reason_code()
    {
        var result = Read(Interchange(Group("QM", "1", "002040", Status214("0001"))));

        var ack = X12Reader.Read(Write(result), ["SHIPGRID"]);

        var set = Assert.Single(Assert.Single(ack.Interchange!.Groups).Sets);
        Assert.Equal(["AK1*QM*1", "AK2*214*0001", "AK5*R*1", "AK9*R*1*1*0*2"], set.Segments[1..^1].Select(Text));
    }

    [Fact]
    public void An_interchange_rejected_as_a_whole_gets_no_997()
    {
        var result = Read(Interchange(Group("QM", "1", "004010", Status214("0001"))).Replace("GE*1*1~", "GE*1*2~", StringComparison.Ordinal));

        Assert.Null(FunctionalAcknowledgement.Write(result, Controls, CreatedAt));
    }

    [Fact]
    public void Control_numbers_out_of_range_are_refused()
    {
        var result = Read(Interchange(Group("QM", "1", "004010", Status214("0001"))));

        Assert.Throws<ArgumentOutOfRangeException>(() => FunctionalAcknowledgement.Write(result, Controls with { InterchangeControlNumber = -1 }, CreatedAt));
    }

    private static string Text(X12Segment segment) => string.Join('*', [segment.Id, .. segment.Elements]);
}
