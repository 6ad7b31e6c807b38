using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// One versioned schema change shipped inside the binary as an embedded <c>Migrations/NNNN_name.sql</c> file.
/// </summary>
internal sealed record MigrationScript(int Version, string Name, string Sql, string Checksum)
{
    private const string ResourcePrefix = "ShipmentGrid.Migrations.";
    private const string ResourceSuffix = ".sql";

    /// <summary>All migrations in the binary, oldest first.</summary>
    public static IReadOnlyList<MigrationScript> LoadEmbedded()
    {
        var assembly = typeof(MigrationScript).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)
                && name.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)
                    ?? throw new InvalidOperationException($"Embedded migration '{name}' cannot be opened.");
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return Parse(name[ResourcePrefix.Length..^ResourceSuffix.Length], reader.ReadToEnd());
            })
            .OrderBy(script => script.Version)
            .ToList();

        var duplicate = scripts.GroupBy(script => script.Version).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two embedded migrations share version {duplicate.Key}: {string.Join(", ", duplicate.Select(script => script.Name))}.");
        }

        return scripts;
    }

    private static MigrationScript Parse(string fileName, string sql)
    {
        var separator = fileName.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0
            || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || version <= 0)
        {
            throw new InvalidOperationException(
                $"Migration file '{fileName}.sql' must be named NNNN_name.sql with a positive version number.");
        }

        // Line endings are normalised so a checkout with CRLF conversion does not look like an edited migration.
        var normalised = sql.ReplaceLineEndings("\n");
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
        return new MigrationScript(version, fileName[(separator + 1)..], normalised, checksum);
    }
}
