using System.Collections.Immutable;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>The paging every list shares: <c>limit</c> (1 to <see cref="PageRequest.MaxLimit"/>) and the opaque <c>after</c> cursor a page hands out.</summary>
internal static class Paging
{
    /// <summary>The page asked for, or the field errors that say why it cannot be served.</summary>
    public static (PageRequest Page, ImmutableDictionary<string, ImmutableArray<string>> Errors) Parse(int? limit, string? after)
    {
        var errors = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        if (limit is < 1 or > PageRequest.MaxLimit)
        {
            errors = errors.Add("limit", [$"Between 1 and {PageRequest.MaxLimit}."]);
        }

        if (after is not null && KeysetCursor.Decode(after) is null)
        {
            errors = errors.Add("after", ["A cursor as a page's 'next' returns it."]);
        }

        return (new PageRequest(limit ?? PageRequest.DefaultLimit, after), errors);
    }
}
