using System.Collections.Immutable;
using System.Globalization;

namespace ShipmentGrid.Edi;

/// <summary>
/// Reads an X12 interchange (ISA..IEA) and checks its envelope. Any envelope fault (a malformed ISA, a
/// missing trailer, a control number or count that does not match, a sender other than the expected one)
/// rejects the whole interchange: nothing in it can be trusted to belong together. What the transaction sets
/// say is not looked at here.
/// </summary>
public static class X12Reader
{
    /// <summary>ISA elements 01..16 have these fixed widths; with "ISA", 16 separators and the terminator, 106 characters.</summary>
    private static readonly int[] IsaWidths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

    private const int IsaLength = 106;

    /// <summary>Interchange versions (ISA12) the grid reads: 3070, 4010 and 5010.</summary>
    public static ImmutableArray<string> SupportedInterchangeVersions { get; } = ["00307", "00401", "00501"];

    /// <param name="raw">The interchange as received; leading white space and a byte order mark are ignored.</param>
    /// <param name="expectedSenderIds">
    /// The ids the carrier may send under (its SCAC, its EDI id, ...): ISA06 and every GS02 must be one of them
    /// (case-insensitive, ISA padding ignored).
    /// </param>
    public static X12ReadResult Read(string raw, IReadOnlyCollection<string> expectedSenderIds)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(expectedSenderIds);
        var text = raw.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        var header = ReadIsa(text);
        if (header.Rejection is not null)
        {
            return new X12ReadResult(null, header.Rejection, header.ControlNumber, header.SenderId);
        }

        var envelope = header.Envelope!;
        string? rejection = null;
        if (!IsExpectedSender(envelope.SenderId, expectedSenderIds))
        {
            rejection = $"Sender ISA06 '{envelope.SenderId}' is not the expected carrier.";
        }

        var groups = ImmutableArray<X12FunctionalGroup>.Empty;
        if (rejection is null)
        {
            var segments = Split(text[IsaLength..], envelope.Delimiters, out rejection);
            if (rejection is null)
            {
                (groups, rejection) = ReadGroups(segments, envelope, expectedSenderIds);
            }
        }

        return rejection is null
            ? new X12ReadResult(new X12Interchange(envelope, groups), null, envelope.ControlNumber, envelope.SenderId)
            : new X12ReadResult(null, rejection, envelope.ControlNumber, envelope.SenderId);
    }

    /// <summary>Splits segments written with <paramref name="delimiters"/>; a line break after a terminator is not data.</summary>
    internal static List<X12Segment> Split(string body, X12Delimiters delimiters, out string? rejection)
    {
        rejection = null;
        var segments = new List<X12Segment>();
        foreach (var piece in body.Split(delimiters.Segment))
        {
            var segmentText = piece.Trim('\r', '\n');
            if (segmentText.Length == 0)
            {
                continue;
            }

            var parts = segmentText.Split(delimiters.Element);
            var id = parts[0];
            if (id.Length is < 2 or > 3 || !id.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetterUpper(id[0]))
            {
                rejection = $"Malformed segment '{Shorten(segmentText)}' after segment {segments.Count + 1}.";
                return segments;
            }

            segments.Add(new X12Segment(id, [.. parts.Skip(1)]));
        }

        return segments;
    }

    private sealed record IsaHeader(X12Envelope? Envelope, string? Rejection, string? ControlNumber, string? SenderId);

    private static IsaHeader ReadIsa(string text)
    {
        if (!text.StartsWith("ISA", StringComparison.Ordinal))
        {
            return new IsaHeader(null, "Malformed ISA: the interchange does not start with ISA.", null, null);
        }

        if (text.Length < IsaLength)
        {
            return new IsaHeader(null, $"Malformed ISA: {text.Length} characters, an ISA alone has {IsaLength}.", null, null);
        }

        var element = text[3];
        if (char.IsAsciiLetterOrDigit(element) || char.IsWhiteSpace(element))
        {
            return new IsaHeader(null, $"Malformed ISA: '{element}' cannot be the element separator.", null, null);
        }

        var fields = text[..(IsaLength - 1)].Split(element);
        if (fields.Length != IsaWidths.Length + 1)
        {
            return new IsaHeader(null, $"Malformed ISA: {fields.Length - 1} elements in its fixed width, expected 16.", null, null);
        }

        var controlNumber = fields[13];
        var senderId = fields[6].Trim();
        for (var position = 1; position <= IsaWidths.Length; position++)
        {
            if (fields[position].Length != IsaWidths[position - 1])
            {
                return new IsaHeader(
                    null,
                    $"Malformed ISA: ISA{position:00} has {fields[position].Length} characters, fixed width is {IsaWidths[position - 1]}.",
                    null,
                    senderId);
            }
        }

        var component = text[IsaLength - 2];
        var segment = text[IsaLength - 1];
        var version = fields[12];
        char? repetition = string.CompareOrdinal(version, "00402") >= 0 ? fields[11][0] : null;
        string? rejection = null;
        if (!controlNumber.All(char.IsAsciiDigit))
        {
            rejection = $"Malformed ISA: control number ISA13 '{controlNumber}' is not nine digits.";
        }
        else if (!SupportedInterchangeVersions.Contains(version))
        {
            rejection = $"Unsupported interchange version ISA12 '{version}': use 00307, 00401 or 00501.";
        }
        else if (fields[14] is not ("0" or "1") || fields[15] is not ("P" or "T"))
        {
            rejection = "Malformed ISA: ISA14 must be 0 or 1 and ISA15 P or T.";
        }
        else if (!AreDistinctSeparators([element, component, segment, .. repetition is { } r ? [r] : Array.Empty<char>()]))
        {
            rejection = "Malformed ISA: the element, component, repetition and segment separators must be distinct and not letters or digits.";
        }

        if (rejection is not null)
        {
            return new IsaHeader(null, rejection, controlNumber, senderId);
        }

        var envelope = new X12Envelope(
            fields[5],
            senderId,
            fields[7],
            fields[8].Trim(),
            version,
            controlNumber,
            fields[15] == "T",
            new X12Delimiters(element, component, segment, repetition));
        return new IsaHeader(envelope, null, controlNumber, senderId);
    }

    private static bool AreDistinctSeparators(char[] separators) =>
        separators.Distinct().Count() == separators.Length
        && separators.All(separator => !char.IsAsciiLetterOrDigit(separator) && separator != ' ');

    private static (ImmutableArray<X12FunctionalGroup> Groups, string? Rejection) ReadGroups(
        List<X12Segment> segments,
        X12Envelope envelope,
        IReadOnlyCollection<string> expectedSenderIds)
    {
        var groups = ImmutableArray.CreateBuilder<X12FunctionalGroup>();
        var index = 0;
        while (true)
        {
            if (index >= segments.Count)
            {
                return ([], "Truncated interchange: IEA missing.");
            }

            var segment = segments[index];
            if (segment.Id == "IEA")
            {
                index++;
                break;
            }

            if (segment.Id != "GS")
            {
                return ([], $"Unexpected segment {segment.Id} outside a functional group (segment {index + 2}).");
            }

            var (group, next, rejection) = ReadGroup(segments, index, expectedSenderIds);
            if (rejection is not null)
            {
                return ([], rejection);
            }

            if (groups.Any(earlier => SameNumber(earlier.ControlNumber, group!.ControlNumber)))
            {
                return ([], $"Group control number GS06 '{group!.ControlNumber}' is used twice.");
            }

            groups.Add(group!);
            index = next;
        }

        var trailer = segments[index - 1];
        if (index < segments.Count)
        {
            return ([], $"Data after IEA: segment {segments[index].Id}.");
        }

        if (!SameNumber(trailer.Element(2), envelope.ControlNumber))
        {
            return ([], $"Interchange control number mismatch: ISA13 '{envelope.ControlNumber}', IEA02 '{trailer.Element(2)}'.");
        }

        if (!IsCount(trailer.Element(1), groups.Count))
        {
            return ([], $"IEA01 says '{trailer.Element(1)}' functional groups, the interchange has {groups.Count}.");
        }

        return (groups.ToImmutable(), null);
    }

    private static (X12FunctionalGroup? Group, int Next, string? Rejection) ReadGroup(
        List<X12Segment> segments,
        int start,
        IReadOnlyCollection<string> expectedSenderIds)
    {
        var header = segments[start];
        var controlNumber = header.Element(6);
        if (header.Element(1).Length == 0 || controlNumber.Length == 0 || header.Element(8).Length == 0)
        {
            return (null, 0, $"Malformed GS at segment {start + 2}: GS01, GS06 and GS08 are required.");
        }

        if (!IsExpectedSender(header.Element(2), expectedSenderIds))
        {
            return (null, 0, $"Sender GS02 '{header.Element(2)}' of group {controlNumber} is not the expected carrier.");
        }

        var sets = ImmutableArray.CreateBuilder<X12TransactionSet>();
        var index = start + 1;
        while (true)
        {
            if (index >= segments.Count || segments[index].Id is "GS" or "IEA")
            {
                return (null, 0, $"Truncated interchange: GE missing for group {controlNumber}.");
            }

            var segment = segments[index];
            if (segment.Id == "GE")
            {
                if (!SameNumber(segment.Element(2), controlNumber))
                {
                    return (null, 0, $"Group control number mismatch: GS06 '{controlNumber}', GE02 '{segment.Element(2)}'.");
                }

                if (!IsCount(segment.Element(1), sets.Count))
                {
                    return (null, 0, $"GE01 says '{segment.Element(1)}' transaction sets, group {controlNumber} has {sets.Count}.");
                }

                var group = new X12FunctionalGroup(
                    header.Element(1),
                    header.Element(2).Trim(),
                    header.Element(3).Trim(),
                    controlNumber,
                    header.Element(8),
                    sets.ToImmutable());
                return (group, index + 1, null);
            }

            if (segment.Id != "ST")
            {
                return (null, 0, $"Unexpected segment {segment.Id} outside a transaction set in group {controlNumber}.");
            }

            var (set, next, rejection) = ReadSet(segments, index, controlNumber);
            if (rejection is not null)
            {
                return (null, 0, rejection);
            }

            if (sets.Any(earlier => earlier.ControlNumber == set!.ControlNumber))
            {
                return (null, 0, $"Transaction set control number ST02 '{set!.ControlNumber}' is used twice in group {controlNumber}.");
            }

            sets.Add(set!);
            index = next;
        }
    }

    private static (X12TransactionSet? Set, int Next, string? Rejection) ReadSet(List<X12Segment> segments, int start, string groupControlNumber)
    {
        var header = segments[start];
        var controlNumber = header.Element(2);
        if (header.Element(1).Length == 0 || controlNumber.Length == 0)
        {
            return (null, 0, $"Malformed ST in group {groupControlNumber}: ST01 and ST02 are required.");
        }

        for (var index = start + 1; index < segments.Count; index++)
        {
            var segment = segments[index];
            if (segment.Id is "ST" or "GE" or "GS" or "IEA")
            {
                break;
            }

            if (segment.Id != "SE")
            {
                continue;
            }

            if (segment.Element(2) != controlNumber)
            {
                return (null, 0, $"Transaction set control number mismatch: ST02 '{controlNumber}', SE02 '{segment.Element(2)}'.");
            }

            var count = index - start + 1;
            if (!IsCount(segment.Element(1), count))
            {
                return (null, 0, $"SE01 says '{segment.Element(1)}' segments, set {controlNumber} has {count} from ST to SE.");
            }

            return (new X12TransactionSet(header.Element(1), controlNumber, [.. segments.Skip(start).Take(count)]), index + 1, null);
        }

        return (null, 0, $"Truncated interchange: SE missing for transaction set {controlNumber} in group {groupControlNumber}.");
    }

    private static bool IsExpectedSender(string senderId, IReadOnlyCollection<string> expectedSenderIds) =>
        expectedSenderIds.Any(expected => string.Equals(expected.Trim(), senderId.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Control numbers are numeric in X12; leading zeros are padding (ISA13 is 000000012, GS06 may be 12).</summary>
    private static bool SameNumber(string left, string right) =>
        long.TryParse(left, NumberStyles.None, CultureInfo.InvariantCulture, out var l)
        && long.TryParse(right, NumberStyles.None, CultureInfo.InvariantCulture, out var r)
            ? l == r
            : string.Equals(left, right, StringComparison.Ordinal);

    private static bool IsCount(string text, int count) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value == count;

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "...";
}
