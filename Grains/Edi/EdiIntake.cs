using System.Collections.Immutable;

namespace ShipmentGrid.Edi;

/// <summary>
/// The EDI intake as one pure function: raw interchange in, everything the grid takes from it out. The
/// envelope is all or nothing (<see cref="X12Reader"/>); within it each transaction set stands alone, so one
/// bad set is rejected with its reason while the others proceed.
/// </summary>
public static class EdiIntake
{
    /// <summary>Functional group versions (GS08, first six characters) the grid reads.</summary>
    public static ImmutableArray<string> SupportedGroupVersions { get; } = ["003070", "004010", "005010"];

    /// <summary>AK905: functional group not supported.</summary>
    private const string GroupNotSupported = "1";

    /// <summary>AK905: functional group version not supported.</summary>
    private const string GroupVersionNotSupported = "2";

    /// <summary>AK502: transaction set not supported.</summary>
    private const string SetNotSupported = "1";

    public static EdiInterchangeResult Read(string raw, EdiIntakeContext context)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(context);
        var read = X12Reader.Read(raw, context.ExpectedSenderIds);
        if (read.Interchange is null)
        {
            return new EdiInterchangeResult(read.ControlNumber, read.SenderId, read.Rejection, null, [], [], [], []);
        }

        var interchange = read.Interchange;
        var groups = ImmutableArray.CreateBuilder<EdiGroupResult>();
        var statuses = ImmutableArray.CreateBuilder<EdiShipmentStatus>();
        var invoices = ImmutableArray.CreateBuilder<EdiFreightInvoice>();
        foreach (var group in interchange.Groups)
        {
            groups.Add(ReadGroup(group, context, statuses, invoices));
        }

        ImmutableArray<string> warnings = interchange.Envelope.TestData ? ["ISA15 marks the interchange as test data."] : [];
        return new EdiInterchangeResult(
            interchange.Envelope.ControlNumber,
            interchange.Envelope.SenderId,
            null,
            interchange.Envelope,
            groups.ToImmutable(),
            statuses.ToImmutable(),
            invoices.ToImmutable(),
            warnings);
    }

    private static EdiGroupResult ReadGroup(
        X12FunctionalGroup group,
        EdiIntakeContext context,
        ImmutableArray<EdiShipmentStatus>.Builder statuses,
        ImmutableArray<EdiFreightInvoice>.Builder invoices)
    {
        var version = group.Version.Length >= 6 ? group.Version[..6] : group.Version;
        var setId = group.FunctionalId switch
        {
            "QM" => "214",
            "IM" => "210",
            _ => null,
        };
        var (rejection, code) = setId is null
            ? ($"Functional group {group.FunctionalId} is not read by the grid (QM 214 and IM 210 are).", GroupNotSupported)
            : !SupportedGroupVersions.Contains(version)
                ? ($"Functional group version GS08 '{group.Version}' is not supported (003070, 004010, 005010 are).", GroupVersionNotSupported)
                : ((string?)null, (string?)null);
        if (rejection is not null)
        {
            var refused = group.Sets
                .Select(set => new EdiSetResult(set.Id, set.ControlNumber, EdiSetStatus.Rejected, rejection, SetNotSupported, 0, 0, []))
                .ToImmutableArray();
            return new EdiGroupResult(group.FunctionalId, group.ControlNumber, group.Version, group.SenderId, group.ReceiverId, rejection, code, refused);
        }

        var twoDigitYears = string.CompareOrdinal(version, "004010") < 0;
        var sets = ImmutableArray.CreateBuilder<EdiSetResult>();
        foreach (var set in group.Sets)
        {
            if (set.Id != setId)
            {
                sets.Add(new EdiSetResult(
                    set.Id,
                    set.ControlNumber,
                    EdiSetStatus.Rejected,
                    $"Transaction set {set.Id} does not belong in a {group.FunctionalId} group.",
                    SetNotSupported,
                    0,
                    0,
                    []));
            }
            else if (setId == "214")
            {
                var reading = ShipmentStatus214.Read(set, twoDigitYears, context);
                var found = reading.Status == EdiSetStatus.Accepted ? reading.Value : [];
                statuses.AddRange(found);
                sets.Add(new EdiSetResult(
                    set.Id,
                    set.ControlNumber,
                    reading.Status,
                    reading.Reason,
                    reading.AckErrorCode,
                    found.Count(status => status.Event is not null),
                    0,
                    reading.Warnings));
            }
            else
            {
                var reading = FreightInvoice210.Read(set, twoDigitYears, context);
                if (reading.Value is not null)
                {
                    invoices.Add(reading.Value);
                }

                sets.Add(new EdiSetResult(
                    set.Id,
                    set.ControlNumber,
                    reading.Status,
                    reading.Reason,
                    reading.AckErrorCode,
                    0,
                    reading.Value?.Lines.Length ?? 0,
                    reading.Warnings));
            }
        }

        return new EdiGroupResult(group.FunctionalId, group.ControlNumber, group.Version, group.SenderId, group.ReceiverId, null, null, sets.ToImmutable());
    }
}
