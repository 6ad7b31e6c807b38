using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Sdk;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace ShipmentGrid.IntegrationTests.Deployment;

/// <summary>docker-compose.yml as YAML nodes, read the way Compose reads it (merge keys resolved).</summary>
internal static class ComposeFile
{
    public static Dictionary<object, object?> Document { get; } = Load();

    public static Dictionary<object, object?> Services() => Map(Document.GetValueOrDefault("services"), "services");

    public static Dictionary<object, object?> Service(string name) =>
        Map(Services().GetValueOrDefault(name), $"service {name}");

    public static Dictionary<string, string> EnvironmentOf(string service)
    {
        var node = Service(service).GetValueOrDefault("environment");
        if (node is List<object?> list)
        {
            return list.Select(Text).Select(entry => entry.Split('=', 2))
                .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "", StringComparer.Ordinal);
        }

        return Map(node, $"{service}.environment").ToDictionary(pair => Text(pair.Key), pair => Text(pair.Value), StringComparer.Ordinal);
    }

    /// <summary>The project folder (the Dockerfile's PROJECT argument) a service's image is built from.</summary>
    public static string BuildProject(string service) =>
        Text(Map(Map(Service(service).GetValueOrDefault("build"), $"{service}.build").GetValueOrDefault("args"), $"{service}.build.args")["PROJECT"]);

    /// <summary>Each image the file builds, with the project it is built from.</summary>
    public static Dictionary<string, string> ImageProjects() =>
        Services().Keys.Select(Text)
            .Where(service => Service(service).ContainsKey("build"))
            .Select(service => (Image: Text(Service(service)["image"]), Project: BuildProject(service)))
            .Distinct()
            .ToDictionary(pair => pair.Image, pair => pair.Project, StringComparer.Ordinal);

    public static Dictionary<object, object?> Map(object? node, string what) =>
        node as Dictionary<object, object?> ?? throw new XunitException($"{what} is not a YAML mapping");

    public static List<object?> List(object? node, string what) =>
        node as List<object?> ?? throw new XunitException($"{what} is not a YAML sequence");

    public static string Text(object? node) =>
        node as string ?? throw new XunitException($"expected a YAML scalar, found {node?.GetType().Name ?? "nothing"}");

    private static Dictionary<object, object?> Load()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "docker-compose.yml")));
        // MergingParser resolves the `<<: *anchor` merge keys the file uses for its shared environment, as Compose does.
        var document = new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(reader)));
        return Map(document, "docker-compose.yml");
    }
}
