using ShipmentGrid.Access;

namespace ShipmentGrid.Hosting.Access;

/// <summary>
/// <c>Silo mint-key --partner NAME --roles ROLE[,ROLE...] [--description TEXT]</c>: an operator mints a key straight
/// into PostgreSQL (the first admin key of a cluster, or one for a partner) and gets its token on standard output,
/// once. Nothing is logged about the token.
/// </summary>
public static class MintKeyCommand
{
    public const string Verb = "mint-key";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, IApiKeyStore store, TimeProvider clock, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var partner = ValueOf(args, "--partner");
        var roles = ValueOf(args, "--roles")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var description = ValueOf(args, "--description");
        if (string.IsNullOrWhiteSpace(partner) || partner.Length > 128 || partner.Any(char.IsControl) || roles.Length == 0
            || roles.FirstOrDefault(role => !GridRoles.IsValid(role)) is { } || description is { Length: > 500 })
        {
            await error.WriteLineAsync(
                "usage: mint-key --partner NAME --roles ROLE[,ROLE...] [--description TEXT]\n"
                + "roles: admin, operations, finance, customer-service, metrics, carrier:<id>, customer:<id>");
            return 2;
        }

        var minted = ApiKeyTokens.Mint(partner, roles, description, clock.GetUtcNow());
        await store.CreateAsync(minted.Key, minted.TokenHash, CancellationToken.None);
        await error.WriteLineAsync($"Minted key {minted.Key.KeyId} for {partner} with roles {string.Join(',', minted.Key.Roles)}; the token follows, shown once.");
        await output.WriteLineAsync(minted.Token);
        return 0;
    }

    private static string? ValueOf(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count - 1; i++)
        {
            if (string.Equals(args[i], name, StringComparison.Ordinal))
            {
                return args[i + 1];
            }
        }

        return null;
    }
}
