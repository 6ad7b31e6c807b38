using Microsoft.AspNetCore.Http.Metadata;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// How much body a route reads at most, as endpoint metadata: routing hands it to the server before the endpoint runs,
/// so Kestrel stops reading past it (a declared Content-Length beyond it is refused before anything is read) and the
/// caller gets 413 problem+json. The most specific limit wins: carrier-event and booking batches are larger than any other body.
/// </summary>
internal sealed record BodyLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata
{
    /// <summary>Every /api/v1 body: a registration, a charge, a carrier profile with its code mappings.</summary>
    public static BodyLimit Default { get; } = new(64 * 1024);

    /// <summary>A batch of up to 1,000 carrier events of about 1 KiB each.</summary>
    public static BodyLimit CarrierEventBatch { get; } = new(1024 * 1024);

    /// <summary>A batch of up to 500 bookings of about 2 KiB each.</summary>
    public static BodyLimit BookingBatch { get; } = new(1024 * 1024);
}
