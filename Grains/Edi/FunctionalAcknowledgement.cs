using System.Globalization;
using System.Text;

namespace ShipmentGrid.Edi;

/// <summary>The control numbers of a 997 interchange; the caller owns their sequences.</summary>
public sealed record AckControlNumbers(int InterchangeControlNumber, int GroupControlNumber, int FirstSetControlNumber);

/// <summary>
/// Writes the 997 functional acknowledgement of a read interchange, in its own envelope: sender and receiver
/// swapped, the same version and delimiters, one 997 set per acknowledged functional group (AK1, AK2/AK5 per
/// transaction set, AK9). A 997 acknowledges syntax: a set refused for business reasons (totals that do not
/// add up) is acknowledged A and its refusal reported in <see cref="EdiInterchangeResult"/>. An interchange
/// whose envelope was rejected gets no 997 (that answer is a TA1, not written here).
/// </summary>
public static class FunctionalAcknowledgement
{
    /// <returns>The 997 interchange as X12 text, or null when the interchange itself was rejected.</returns>
    public static string? Write(EdiInterchangeResult result, AckControlNumbers controlNumbers, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(controlNumbers);
        if (result.Envelope is not { } envelope || result.Groups.IsEmpty)
        {
            return null;
        }

        var d = envelope.Delimiters;
        var text = new StringBuilder();
        void Segment(params string[] elements) => text.Append(string.Join(d.Element, elements)).Append(d.Segment).Append('\n');

        var interchangeControl = Number(controlNumbers.InterchangeControlNumber, 9);
        Segment(
            "ISA",
            "00",
            new string(' ', 10),
            "00",
            new string(' ', 10),
            envelope.ReceiverQualifier,
            envelope.ReceiverId.PadRight(15),
            envelope.SenderQualifier,
            envelope.SenderId.PadRight(15),
            createdAt.ToString("yyMMdd", CultureInfo.InvariantCulture),
            createdAt.ToString("HHmm", CultureInfo.InvariantCulture),
            d.Repetition?.ToString() ?? "U",
            envelope.Version,
            interchangeControl,
            "0",
            envelope.TestData ? "T" : "P",
            d.Component.ToString());
        var first = result.Groups[0];
        var groupVersion = first.Version;
        var groupControl = controlNumbers.GroupControlNumber.ToString(CultureInfo.InvariantCulture);
        Segment(
            "GS",
            "FA",
            first.ReceiverId,
            first.SenderId,
            createdAt.ToString(string.CompareOrdinal(groupVersion, "004010") < 0 ? "yyMMdd" : "yyyyMMdd", CultureInfo.InvariantCulture),
            createdAt.ToString("HHmm", CultureInfo.InvariantCulture),
            groupControl,
            "X",
            groupVersion);
        var setControl = controlNumbers.FirstSetControlNumber;
        foreach (var group in result.Groups)
        {
            var stControl = Number(setControl++, 4);
            var segments = 0;
            void Counted(params string[] elements)
            {
                Segment(elements);
                segments++;
            }

            Counted("ST", "997", stControl);
            Counted("AK1", group.FunctionalId, group.ControlNumber);
            foreach (var set in group.Sets)
            {
                Counted("AK2", set.TransactionSetId, set.ControlNumber);
                if (set.Status == EdiSetStatus.Rejected)
                {
                    Counted("AK5", "R", set.AckErrorCode ?? "5");
                }
                else
                {
                    Counted("AK5", "A");
                }
            }

            var accepted = group.Rejection is null ? group.Sets.Count(set => set.Status != EdiSetStatus.Rejected) : 0;
            var status = accepted == group.Sets.Length && group.Rejection is null ? "A" : accepted == 0 ? "R" : "P";
            var count = group.Sets.Length.ToString(CultureInfo.InvariantCulture);
            string[] ak9 = ["AK9", status, count, count, accepted.ToString(CultureInfo.InvariantCulture)];
            Counted(group.AckErrorCode is null ? ak9 : [.. ak9, group.AckErrorCode]);
            Counted("SE", (segments + 1).ToString(CultureInfo.InvariantCulture), stControl);
        }

        Segment("GE", result.Groups.Length.ToString(CultureInfo.InvariantCulture), groupControl);
        Segment("IEA", "1", interchangeControl);
        return text.ToString();
    }

    private static string Number(int value, int width) =>
        value is < 0 or > 999_999_999
            ? throw new ArgumentOutOfRangeException(nameof(value), value, "X12 control numbers are 1 to 9 digits.")
            : value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
}
