using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Enums travel as their names. A value outside the set fails with <see cref="UnexpectedValueException"/>, which lists
/// the accepted values, so the field error can say what is expected. Charge types also take the standard codes partners
/// send (<c>FUEL_SURCHARGE</c>, see <see cref="ChargeTypeCodes"/>); whatever came in, the name is written back.
/// </summary>
internal sealed class EnumNamesJson : JsonConverterFactory
{
    private readonly JsonStringEnumConverter names = new();

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    /// <summary>The OpenAPI document cannot see through a custom converter: it is told that enums are strings, and which.</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        var type = context.JsonTypeInfo.Type;
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        if (enumType.IsEnum)
        {
            var accepted = enumType == typeof(ChargeType) ? ChargeTypeCodes.Accepted : Enum.GetNames(enumType);
            schema.Type = enumType == type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;

            // Flags combine names ("Finance, Operations"): no closed list to give.
            schema.Enum = enumType.IsDefined(typeof(FlagsAttribute), inherit: false) ? null : [.. accepted.Select(name => (JsonNode)JsonValue.Create(name))];
        }

        return Task.CompletedTask;
    }

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(ChargeType)
            ? new ChargeTypeJson()
            : (JsonConverter)Activator.CreateInstance(typeof(ListingConverter<>).MakeGenericType(typeToConvert), names.CreateConverter(typeToConvert, options))!;

    private sealed class ListingConverter<TEnum>(JsonConverter inner) : JsonConverter<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly IReadOnlyList<string> Names = Enum.GetNames<TEnum>();

        private readonly JsonConverter<TEnum> enumNames = (JsonConverter<TEnum>)inner;

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            try
            {
                return enumNames.Read(ref reader, typeToConvert, options);
            }
            catch (JsonException)
            {
                throw new UnexpectedValueException(Names);
            }
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => enumNames.Write(writer, value, options);
    }
}

/// <summary>A charge type from its name or its standard code; see <see cref="EnumNamesJson"/>.</summary>
internal sealed class ChargeTypeJson : JsonConverter<ChargeType>
{
    public override ChargeType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        (reader.TokenType == JsonTokenType.String ? ChargeTypeCodes.Parse(reader.GetString()) : null)
        ?? throw new UnexpectedValueException(ChargeTypeCodes.Accepted);

    public override void Write(Utf8JsonWriter writer, ChargeType value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}

/// <summary>A JSON value outside a closed set; carries the set, so the field error can list what is expected.</summary>
internal sealed class UnexpectedValueException(IReadOnlyList<string> expected) : JsonException($"One of: {string.Join(", ", expected)}.")
{
    public IReadOnlyList<string> Expected { get; } = expected;
}
