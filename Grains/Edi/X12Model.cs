using System.Collections.Immutable;

namespace ShipmentGrid.Edi;

/// <summary>
/// The separators of one interchange, all read from its ISA: element (4th character), component (ISA16),
/// segment terminator (the character after ISA16) and, from version 00402 on, repetition (ISA11).
/// </summary>
public sealed record X12Delimiters(char Element, char Component, char Segment, char? Repetition);

/// <summary>One segment: its id and its elements, position 1 first (X12 numbering: B1001 is <c>Element(1)</c>).</summary>
public sealed record X12Segment(string Id, ImmutableArray<string> Elements)
{
    /// <summary>The element at an X12 position (1-based), or the empty string when the segment stops earlier.</summary>
    public string Element(int position) =>
        position >= 1 && position <= Elements.Length ? Elements[position - 1] : string.Empty;
}

/// <summary>ST..SE, both included (SE01 counts them).</summary>
public sealed record X12TransactionSet(string Id, string ControlNumber, ImmutableArray<X12Segment> Segments);

/// <summary>GS..GE. <see cref="Version"/> is GS08 (e.g. 004010, or 004010VICS for an industry variant).</summary>
public sealed record X12FunctionalGroup(
    string FunctionalId,
    string SenderId,
    string ReceiverId,
    string ControlNumber,
    string Version,
    ImmutableArray<X12TransactionSet> Sets);

/// <summary>The ISA header an answer (a 997) needs: parties with their qualifiers, version and delimiters.</summary>
public sealed record X12Envelope(
    string SenderQualifier,
    string SenderId,
    string ReceiverQualifier,
    string ReceiverId,
    string Version,
    string ControlNumber,
    bool TestData,
    X12Delimiters Delimiters);

/// <summary>An interchange whose envelope passed every check.</summary>
public sealed record X12Interchange(X12Envelope Envelope, ImmutableArray<X12FunctionalGroup> Groups);

/// <summary>
/// The outcome of reading an interchange: the interchange, or the reason the whole of it is rejected. The
/// control number and sender are given when the ISA could be read, so a rejection can still be traced.
/// </summary>
public sealed record X12ReadResult(X12Interchange? Interchange, string? Rejection, string? ControlNumber, string? SenderId);
