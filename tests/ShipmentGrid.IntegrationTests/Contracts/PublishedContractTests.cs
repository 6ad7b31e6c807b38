using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using ShipmentGrid.Billing;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Contracts;

/// <summary>
/// The published v1 contract cannot lose a field or change a field's type: not the HTTP API (every operation and every
/// property of every schema in the OpenAPI document) and not the Orleans contracts (every <c>[Id]</c> member and enum
/// value of every aliased type, which stored state and journal rows are read back with). Adding is free. The snapshot is
/// <c>v1-contract.txt</c> beside this file; after an intended addition, refresh it with
/// <c>SHIPMENTGRID_UPDATE_CONTRACT=1</c> set while running this test, and review the diff.
/// </summary>
public sealed class PublishedContractTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly string SnapshotPath = Path.Combine(RepositoryLayout.Root, "tests", "ShipmentGrid.IntegrationTests", "Contracts", "v1-contract.txt");

    [Fact]
    public async Task No_published_v1_field_or_operation_is_removed_or_changes_type()
    {
        var current = (await HttpContractAsync()).Concat(OrleansContract()).Order(StringComparer.Ordinal).ToList();
        if (Environment.GetEnvironmentVariable("SHIPMENTGRID_UPDATE_CONTRACT") == "1")
        {
            await File.WriteAllLinesAsync(SnapshotPath, current);
        }

        var published = (await File.ReadAllLinesAsync(SnapshotPath)).Where(line => line.Length > 0).ToList();
        var now = current.ToDictionary(KeyOf, line => line, StringComparer.Ordinal);
        var broken = published
            .Where(line => !now.TryGetValue(KeyOf(line), out var same) || same != line)
            .Select(line => now.TryGetValue(KeyOf(line), out var changed) ? $"changed: {line}  ->  {changed}" : $"removed: {line}")
            .ToList();

        Assert.True(broken.Count == 0, "The published v1 contract broke:\n" + string.Join('\n', broken));
        Assert.Contains(published, line => line.StartsWith("http schema InvoiceView.", StringComparison.Ordinal));
        Assert.Contains(published, line => line.StartsWith("orleans sg.charge.v1 ", StringComparison.Ordinal));
    }

    /// <summary>The key of a line is everything before its type: what the contract names, not what it says it is.</summary>
    private static string KeyOf(string line) => line.Split(" :: ", 2)[0];

    private async Task<IEnumerable<string>> HttpContractAsync()
    {
        using var http = factory.CreateClient();
        var document = JsonNode.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var lines = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in item!.AsObject())
            {
                lines.Add($"http operation {method.ToUpperInvariant()} {path} :: operation");
            }
        }

        foreach (var (schema, body) in document["components"]?["schemas"]?.AsObject() ?? [])
        {
            foreach (var (property, type) in body!["properties"]?.AsObject() ?? [])
            {
                lines.Add($"http schema {schema}.{property} :: {Describe(type)}");
            }

            if (body["enum"] is JsonArray values)
            {
                lines.AddRange(values.Select(value => $"http schema {schema} value {value} :: enum"));
            }
        }

        return lines;
    }

    /// <summary>A property's type as JSON describes it: a reference, or a type (with format), arrays by their items.</summary>
    private static string Describe(JsonNode? schema)
    {
        if (schema is null)
        {
            return "any";
        }

        if (schema["$ref"] is { } reference)
        {
            return reference.GetValue<string>().Split('/')[^1];
        }

        if ((schema["oneOf"] ?? schema["anyOf"] ?? schema["allOf"]) is { } union)
        {
            return string.Join('|', union.AsArray().Select(Describe).Order(StringComparer.Ordinal));
        }

        var type = schema["type"] switch
        {
            JsonArray types => string.Join('|', types.Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal)),
            JsonValue single => single.GetValue<string>(),
            _ => "any",
        };
        var format = schema["format"] is { } f ? $"({f.GetValue<string>()})" : string.Empty;
        var items = schema["items"] is { } element ? $"<{Describe(element)}>" : string.Empty;
        var map = schema["additionalProperties"] is JsonObject values ? $"<string,{Describe(values)}>" : string.Empty;
        return type + format + items + map;
    }

    private static IEnumerable<string> OrleansContract()
    {
        foreach (var type in typeof(Money).Assembly.GetTypes().Where(type => type.GetCustomAttribute<GenerateSerializerAttribute>() is not null))
        {
            var alias = type.GetCustomAttribute<AliasAttribute>()?.Alias ?? type.FullName!;
            if (type.IsEnum)
            {
                foreach (var value in Enum.GetNames(type))
                {
                    yield return $"orleans {alias} value {value} :: {Convert.ToInt64(Enum.Parse(type, value), System.Globalization.CultureInfo.InvariantCulture)}";
                }

                continue;
            }

            var members = type.GetConstructors().SelectMany(constructor => constructor.GetParameters())
                .Select(parameter => (Id: parameter.GetCustomAttribute<IdAttribute>()?.Id, Name: parameter.Name ?? string.Empty, Type: parameter.ParameterType))
                .Concat(type.GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                    .Where(member => member is PropertyInfo or FieldInfo)
                    .Select(member => (Id: member.GetCustomAttribute<IdAttribute>()?.Id, member.Name,
                        Type: member is PropertyInfo property ? property.PropertyType : ((FieldInfo)member).FieldType)))
                .Where(member => member.Id is not null)
                .DistinctBy(member => member.Id);
            foreach (var (id, name, memberType) in members)
            {
                yield return $"orleans {alias} #{id} :: {name}: {NameOf(memberType)}";
            }
        }
    }

    private static string NameOf(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }

        var name = new StringBuilder(type.GetGenericTypeDefinition().FullName![..type.GetGenericTypeDefinition().FullName!.IndexOf('`', StringComparison.Ordinal)]);
        return name.Append('<').AppendJoin(',', type.GetGenericArguments().Select(NameOf)).Append('>').ToString();
    }
}
