using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>Reads a paged list of the API to its end, following each page's <c>next</c> cursor.</summary>
internal static class ApiPages
{
    public const int Limit = 500;

    public static async Task<JsonArray> AllAsync(Func<string, Task<JsonNode>> read, string path)
    {
        ArgumentNullException.ThrowIfNull(read);
        var items = new JsonArray();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? next = null;
        do
        {
            var page = await read($"{path}{separator}limit={Limit}" + (next is null ? string.Empty : $"&after={Uri.EscapeDataString(next)}"));
            foreach (var item in page["items"]!.AsArray())
            {
                items.Add(item?.DeepClone());
            }

            next = (string?)page["next"];
        }
        while (next is not null);

        return items;
    }

    public static Task<JsonArray> AllAsync(HttpClient http, string path) =>
        AllAsync(async page => await http.GetFromJsonAsync<JsonObject>(new Uri(page, UriKind.Relative)) ?? throw new InvalidOperationException($"{page} answered null"), path);
}
