using System.Collections;
using System.Globalization;
using System.Reflection;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>
/// The first place where a read-back state differs from the written one, compared exactly: runtime types, decimals
/// by their bits (1.50 is not 1.5), dates with their offset, strings ordinally, collections with their comparers
/// (an ordinal key order is part of the state), ordered collections in order and hashed ones by lookup.
/// </summary>
public static class StateDifference
{
    private static readonly string[] ComparerProperties = ["Comparer", "KeyComparer", "ValueComparer"];

    public static string? Find(object? written, object? read, string path)
    {
        if (written is null || read is null)
        {
            return written is null && read is null ? null : Differs(path, written, read);
        }

        if (written.GetType() != read.GetType())
        {
            return $"{path}: wrote a {written.GetType()}, read back a {read.GetType()}";
        }

        return written switch
        {
            string text => string.Equals(text, (string)read, StringComparison.Ordinal) ? null : Differs(path, written, read),
            decimal amount => decimal.GetBits(amount).SequenceEqual(decimal.GetBits((decimal)read)) ? null : Differs(path, written, read),
            DateTimeOffset moment => moment.EqualsExact((DateTimeOffset)read) ? null : Differs(path, written, read),
            DateTime moment => moment.Ticks == ((DateTime)read).Ticks && moment.Kind == ((DateTime)read).Kind ? null : Differs(path, written, read),
            _ when written.GetType().IsPrimitive || written.GetType().IsEnum || written is Guid or TimeSpan =>
                Equals(written, read) ? null : Differs(path, written, read),
            IEnumerable items => Comparers(written, read, path) ?? Elements(items, (IEnumerable)read, path),
            _ => Members(written, read, path),
        };
    }

    private static string? Comparers(object written, object read, string path) =>
        ComparerProperties
            .Select(name => written.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance))
            .Where(property => property is not null)
            .Select(property => (Name: property!.Name, Written: property.GetValue(written), Read: property.GetValue(read)))
            .Where(comparer => !Equals(comparer.Written, comparer.Read))
            .Select(comparer => $"{path}.{comparer.Name}: wrote {comparer.Written}, read back {comparer.Read}")
            .FirstOrDefault();

    private static string? Elements(IEnumerable written, IEnumerable read, string path)
    {
        var type = written.GetType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return Lookup((IDictionary)written, (IDictionary)read, path);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(HashSet<>))
        {
            return Lookup(written, read, type, path);
        }

        var writtenItems = written.Cast<object?>().ToList();
        var readItems = read.Cast<object?>().ToList();
        if (writtenItems.Count != readItems.Count)
        {
            return $"{path}: wrote {writtenItems.Count} items, read back {readItems.Count}";
        }

        return writtenItems
            .Select((item, index) => Find(item, readItems[index], $"{path}[{index}]"))
            .FirstOrDefault(difference => difference is not null);
    }

    private static string? Lookup(IDictionary written, IDictionary read, string path)
    {
        if (written.Count != read.Count)
        {
            return $"{path}: wrote {written.Count} entries, read back {read.Count}";
        }

        return written.Keys.Cast<object>()
            .Select(key => read.Contains(key) ? Find(written[key], read[key], $"{path}[{key}]") : $"{path}: key {key} not read back")
            .FirstOrDefault(difference => difference is not null);
    }

    private static string? Lookup(IEnumerable written, IEnumerable read, Type set, string path)
    {
        var count = set.GetProperty(nameof(HashSet<>.Count))!;
        if (!Equals(count.GetValue(written), count.GetValue(read)))
        {
            return $"{path}: wrote {count.GetValue(written)} items, read back {count.GetValue(read)}";
        }

        var tryGetValue = set.GetMethod(nameof(HashSet<>.TryGetValue))!;
        foreach (var item in written)
        {
            object?[] arguments = [item, null];
            if (!(bool)tryGetValue.Invoke(read, arguments)!)
            {
                return $"{path}: {item} not read back";
            }

            if (Find(item, arguments[1], $"{path}[{item}]") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static string? Members(object written, object read, string path) =>
        written.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanRead && property.GetIndexParameters().Length == 0)
            .Select(property => Find(property.GetValue(written), property.GetValue(read), $"{path}.{property.Name}"))
            .FirstOrDefault(difference => difference is not null);

    private static string Differs(string path, object? written, object? read) =>
        $"{path}: wrote {Show(written)}, read back {Show(read)}";

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        decimal amount => $"{amount.ToString(CultureInfo.InvariantCulture)} (scale {amount.Scale})",
        DateTimeOffset moment => moment.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? value.GetType().Name,
    };
}
