using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;
using ShipmentGrid.Api.Access;

namespace ShipmentGrid.Api.Ops;

/// <summary>
/// The operations page at <c>/ops/</c>: three static files (markup, style, an ES module) embedded in the assembly and
/// served behind the session to staff, with a content security policy that allows this origin only. The page reads and
/// changes the grid through the same <c>/api/v1</c> routes partners use, with the session cookie and antiforgery header.
/// </summary>
internal static class OpsPage
{
    public const string Path = "/ops";

    /// <summary>Nothing from elsewhere, nothing inline, no framing; fetches go to this origin only.</summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static IEndpointRouteBuilder MapOpsPage(this IEndpointRouteBuilder endpoints)
    {
        var ops = endpoints.MapGroup(Path).ExcludeFromDescription().RequireAuthorization(AccessPolicies.Staff);
        // Routing takes "/ops" and "/ops/" alike: both are the page, whose links are absolute.
        ops.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        ops.MapGet("/{file}", (HttpContext context, string file) => Serve(context, file));
        return endpoints;
    }

    private static IResult Serve(HttpContext context, string file)
    {
        if (!Assets.TryGetValue(file, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: asset.Tag);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "ops/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[prefix.Length..], name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var content = buffer.ToArray();
                return new Asset(content, ContentTypeOf(name), new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\""));
            }, StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => System.IO.Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, EntityTagHeaderValue Tag);
}
