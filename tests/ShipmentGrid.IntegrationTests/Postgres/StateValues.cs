using System.Collections.Immutable;
using System.Reflection;
using FsCheck;
using FsCheck.Fluent;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// FsCheck generators for persisted grain state, derived from each <c>[GenerateSerializer]</c> type's constructor and
/// <c>[Id]</c> members, so a field added later is generated too. The leaves are the values serializers get wrong:
/// decimals with their scale, dates with non-zero offsets, nulls wherever the type allows them, keys whose ordinal
/// and cultural orders differ. A member type with no generator here, or a persisted type without an [Alias], fails
/// loudly with its path.
/// </summary>
public static class StateValues
{
    private const int MaxCollectionSize = 4;

    // Mixed case (ordinal and cultural orders differ), accents, letters that change length when upper-cased, a
    // character outside the basic plane, controls and NUL.
    private static readonly string[] Pieces =
        ["a", "A", "b", "B", "z", "Z", "0", "9", "-", "_", ".", " ", "é", "É", "ß", "İ", "ı", "🚚", "\t", "\n", "\0"];

    private static readonly NullabilityInfoContext Nullability = new();

    private static readonly Dictionary<Type, Gen<object?>> Leaves = new()
    {
        [typeof(string)] = Boxed(Text()),
        [typeof(bool)] = Boxed(Gen.Elements(true, false)),
        [typeof(int)] = Boxed(Gen.Frequency((4, Gen.Choose(-1_000, 1_000)), (1, Gen.Elements(int.MinValue, int.MaxValue, 0)))),
        [typeof(long)] = Boxed(Int64()),
        [typeof(decimal)] = Boxed(Decimals()),
        [typeof(DateTimeOffset)] = Boxed(Moments()),
        [typeof(TimeSpan)] = Boxed(Int64().Select(TimeSpan.FromTicks)),
        [typeof(Guid)] = Boxed(Gen.Fresh(Guid.NewGuid)),
    };

    public static Gen<T> Of<T>()
        where T : class => Shape(typeof(T), typeof(T).Name).Select(value => (T)value!);

    /// <summary>Money-like amounts with 0 to 4 places (1.50 is not 1.5), any representable decimal, and the edges.</summary>
    public static Gen<decimal> Decimals() =>
        Gen.Frequency(
            (3, from cents in Gen.Choose(-10_000_000, 10_000_000)
                from scale in Gen.Choose(0, 4)
                select new decimal(Math.Abs(cents), 0, 0, cents < 0, (byte)scale)),
            (2, from low in Gen.Choose(int.MinValue, int.MaxValue)
                from middle in Gen.Choose(int.MinValue, int.MaxValue)
                from high in Gen.Choose(int.MinValue, int.MaxValue)
                from negative in Gen.Elements(true, false)
                from scale in Gen.Choose(0, 28)
                select new decimal(low, middle, high, negative, (byte)scale)),
            (1, Gen.Elements(0m, 0.00m, decimal.MaxValue, decimal.MinValue, new decimal(0, 0, 0, true, 2))));

    /// <summary>Instants anywhere in the calendar with a whole-minute offset up to ±14 h; mostly recent, with ticks.</summary>
    public static Gen<DateTimeOffset> Moments()
    {
        var recent = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var utcTicks = Gen.Frequency(
            (3, Int64().Select(ticks => recent + (ticks % (TimeSpan.TicksPerDay * 3_650)))),
            (1, Int64().Select(ticks => (long)((ulong)ticks % (ulong)(DateTimeOffset.MaxValue.UtcTicks - (2 * TimeSpan.TicksPerDay))) + TimeSpan.TicksPerDay)));
        return from ticks in utcTicks
               from minutes in Gen.Frequency((3, Gen.Choose(-840, 840)), (1, Gen.Constant(0)))
               let offset = TimeSpan.FromMinutes(minutes)
               select new DateTimeOffset(ticks + offset.Ticks, offset);
    }

    private static Gen<string> Text() =>
        Gen.Frequency(
            (4, Gen.Elements(Pieces).ListOf().Select(pieces => string.Concat(pieces))),
            (1, Gen.Elements("", " ", "S-1001", "s-1001")));

    private static Gen<long> Int64() =>
        from high in Gen.Choose(int.MinValue, int.MaxValue)
        from low in Gen.Choose(int.MinValue, int.MaxValue)
        select ((long)high << 32) | (uint)low;

    private static Gen<object?> Boxed<T>(Gen<T> values) => values.Select(value => (object?)value);

    private static Gen<object?> Member(NullabilityInfo member, string path)
    {
        var value = Value(member, path);
        return member.ReadState == NullabilityState.Nullable
            ? Gen.Frequency((1, Gen.Constant<object?>(null)), (3, value))
            : value;
    }

    private static Gen<object?> Value(NullabilityInfo member, string path)
    {
        var type = Nullable.GetUnderlyingType(member.Type) ?? member.Type;
        if (Leaves.TryGetValue(type, out var leaf))
        {
            return leaf;
        }

        if (type.IsEnum)
        {
            return Gen.Elements([.. Enum.GetValues(type).Cast<object?>()]);
        }

        if (type.IsArray)
        {
            return Collection(type, path, [member.ElementType!]);
        }

        return type.IsGenericType && type.Namespace is "System.Collections.Generic" or "System.Collections.Immutable"
            ? Collection(type, path, member.GenericTypeArguments)
            : Shape(type, path);
    }

    private static Gen<object?> Shape(Type type, string path)
    {
        if (type.GetCustomAttribute<GenerateSerializerAttribute>() is null)
        {
            throw new InvalidOperationException(
                $"{path}: no generator for {type.FullName}; add one to {nameof(StateValues)} (it is neither a leaf nor a [GenerateSerializer] type).");
        }

        if (type.GetCustomAttribute<AliasAttribute>() is null)
        {
            throw new InvalidOperationException($"{path}: {type.FullName} is persisted without an [Alias], so renaming it would orphan stored state.");
        }

        var constructor = type.GetConstructors().MaxBy(candidate => candidate.GetParameters().Length)
            ?? throw new InvalidOperationException($"{path}: {type.FullName} has no public constructor to generate it with.");
        var parameters = constructor.GetParameters();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetCustomAttribute<IdAttribute>() is not null && property.CanWrite)
            .Where(property => !parameters.Any(parameter => string.Equals(parameter.Name, property.Name, StringComparison.Ordinal)))
            .ToArray();
        var arguments = Gen.CollectToArray(parameters.Select(parameter => Member(Nullability.Create(parameter), $"{path}.{parameter.Name}")));
        var members = Gen.CollectToArray(properties.Select(property => Member(Nullability.Create(property), $"{path}.{property.Name}")));
        return from argumentValues in arguments
               from memberValues in members
               select Build(constructor, argumentValues, properties, memberValues);
    }

    private static object? Build(ConstructorInfo constructor, object?[] arguments, PropertyInfo[] properties, object?[] values)
    {
        var instance = constructor.Invoke(arguments);
        for (var index = 0; index < properties.Length; index++)
        {
            properties[index].SetValue(instance, values[index]);
        }

        return instance;
    }

    private static Gen<object?> Collection(Type type, string path, NullabilityInfo[] elements)
    {
        var definition = type.IsArray ? typeof(Array) : type.GetGenericTypeDefinition();
        var arguments = type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments();
        var build = Builders.TryGetValue(definition, out var name)
            ? typeof(StateValues).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(arguments)
            : throw new InvalidOperationException($"{path}: no generator for the collection {type}; add one to {nameof(StateValues)}.");
        var item = elements.Length == 2
            ? from key in Value(elements[0], $"{path}.Key")
              from value in Member(elements[1], $"{path}[]")
              select (object?)(key, value)
            : Member(elements[0], $"{path}[]");
        return from count in Gen.Choose(0, MaxCollectionSize)
               from items in item.ListOf(count)
               select build.Invoke(null, [items.ToList()]);
    }

    private static readonly Dictionary<Type, string> Builders = new()
    {
        [typeof(ImmutableSortedDictionary<,>)] = nameof(SortedDictionary),
        [typeof(ImmutableDictionary<,>)] = nameof(ImmutableDictionaryOf),
        [typeof(Dictionary<,>)] = nameof(Dictionary),
        [typeof(ImmutableSortedSet<>)] = nameof(SortedSet),
        [typeof(HashSet<>)] = nameof(HashSet),
        [typeof(ImmutableArray<>)] = nameof(ImmutableArrayOf),
        [typeof(ImmutableList<>)] = nameof(ImmutableListOf),
        [typeof(List<>)] = nameof(ListOf),
        [typeof(Array)] = nameof(ArrayOf),
    };

    // The grid keys its collections by ordinal comparison; the read-back copy must keep that order.
    private static IComparer<T> Order<T>() => typeof(T) == typeof(string) ? (IComparer<T>)StringComparer.Ordinal : Comparer<T>.Default;

    private static IEqualityComparer<T> Equality<T>() =>
        typeof(T) == typeof(string) ? (IEqualityComparer<T>)StringComparer.Ordinal : EqualityComparer<T>.Default;

    private static IEnumerable<KeyValuePair<TKey, TValue>> Pairs<TKey, TValue>(List<object?> pairs) =>
        pairs.Cast<(object? Key, object? Value)>().Select(pair => KeyValuePair.Create((TKey)pair.Key!, (TValue)pair.Value!));

    private static ImmutableSortedDictionary<TKey, TValue> SortedDictionary<TKey, TValue>(List<object?> pairs)
        where TKey : notnull => ImmutableSortedDictionary.Create<TKey, TValue>(Order<TKey>()).SetItems(Pairs<TKey, TValue>(pairs));

    private static ImmutableDictionary<TKey, TValue> ImmutableDictionaryOf<TKey, TValue>(List<object?> pairs)
        where TKey : notnull => ImmutableDictionary.Create<TKey, TValue>(Equality<TKey>()).SetItems(Pairs<TKey, TValue>(pairs));

    private static Dictionary<TKey, TValue> Dictionary<TKey, TValue>(List<object?> pairs)
        where TKey : notnull
    {
        var dictionary = new Dictionary<TKey, TValue>(Equality<TKey>());
        foreach (var (key, value) in Pairs<TKey, TValue>(pairs))
        {
            dictionary[key] = value;
        }

        return dictionary;
    }

    private static ImmutableSortedSet<T> SortedSet<T>(List<object?> items) => ImmutableSortedSet.CreateRange(Order<T>(), items.Cast<T>());

    private static HashSet<T> HashSet<T>(List<object?> items) => new(items.Cast<T>(), Equality<T>());

    private static ImmutableArray<T> ImmutableArrayOf<T>(List<object?> items) => [.. items.Cast<T>()];

    private static ImmutableList<T> ImmutableListOf<T>(List<object?> items) => [.. items.Cast<T>()];

    private static List<T> ListOf<T>(List<object?> items) => [.. items.Cast<T>()];

    private static T[] ArrayOf<T>(List<object?> items) => [.. items.Cast<T>()];
}
