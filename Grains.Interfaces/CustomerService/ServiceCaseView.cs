using System.Collections.Immutable;

namespace ShipmentGrid.CustomerService;

[GenerateSerializer, Alias("sg.service-case-reason.v1")]
public enum ServiceCaseReason
{
    DeliveryException = 0,
    BillingProblem = 1,
    CreditHold = 2,
}

[GenerateSerializer, Alias("sg.service-case-status.v1")]
public enum ServiceCaseStatus
{
    Open = 0,
    InProgress = 1,
    Resolved = 2,
}

/// <summary>One step on a case's timeline; <see cref="SourceEventId"/> points at the event that caused it.</summary>
[GenerateSerializer, Immutable, Alias("sg.service-case-entry.v1")]
public sealed record ServiceCaseEntry(
    [Id(0)] DateTimeOffset At,
    [Id(1)] string Text,
    [Id(2)] string? SourceEventId);

[GenerateSerializer, Immutable, Alias("sg.service-case-view.v1")]
public sealed record ServiceCaseView(
    [Id(0)] string CaseId,
    [Id(1)] string CustomerId,
    [Id(2)] string? ShipmentId,
    [Id(3)] ServiceCaseReason Reason,
    [Id(4)] ServiceCaseStatus Status,
    [Id(5)] DateTimeOffset OpenedAt,
    [Id(6)] ImmutableArray<ServiceCaseEntry> Timeline);
