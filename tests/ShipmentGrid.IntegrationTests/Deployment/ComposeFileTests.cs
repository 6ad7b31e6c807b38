using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using Npgsql;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using static ShipmentGrid.IntegrationTests.Deployment.ComposeFile;

namespace ShipmentGrid.IntegrationTests.Deployment;

/// <summary>
/// No Docker engine runs these files in CI, so docker-compose.yml and deploy/Dockerfile are checked against the code
/// they configure: every environment key must be one the processes read, the values must bind to the options the
/// hosting code uses, and the ports, health checks, commands and start order must agree with each other.
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string Postgres = "postgres";
    private const string Migrate = "migrate";
    private const string Silo1 = "silo1";
    private const string Silo2 = "silo2";
    private const string Silo3 = "silo3";
    private const string Api = "api";

    private static readonly string[] SiloServices = [Silo1, Silo2, Silo3];
    private static readonly string[] ExpectedServices = [Postgres, Migrate, Silo1, Silo2, Silo3, Api];

    /// <summary>Which project folder each grid service's image is built from.</summary>
    private static readonly Dictionary<string, string> ExpectedProject = new(StringComparer.Ordinal)
    {
        [Migrate] = ProcessConfiguration.SiloProject,
        [Silo1] = ProcessConfiguration.SiloProject,
        [Silo2] = ProcessConfiguration.SiloProject,
        [Silo3] = ProcessConfiguration.SiloProject,
        [Api] = ProcessConfiguration.ApiProject,
    };

    private static readonly string RepoRoot = RepositoryLayout.Root;
    private static readonly IReadOnlyList<DockerInstruction> Dockerfile = LoadDockerfile();

    [Fact]
    public void Declares_exactly_the_grid_services()
    {
        Assert.Equal(ExpectedServices.Order(StringComparer.Ordinal), Services().Keys.Select(Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Postgres_is_version_15_with_credentials_a_readiness_check_and_a_named_volume()
    {
        var postgres = Service(Postgres);
        Assert.Equal("postgres:15", Text(postgres["image"]));

        var environment = EnvironmentOf(Postgres);
        foreach (var key in new[] { "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB" })
        {
            Assert.False(string.IsNullOrWhiteSpace(environment.GetValueOrDefault(key)), $"postgres needs {key}");
        }

        Assert.Contains(HealthCheck(Postgres), part => part.Contains("pg_isready", StringComparison.Ordinal));

        var volumes = Map(Document.GetValueOrDefault("volumes"), "top-level volumes").Keys.Select(Text).ToHashSet(StringComparer.Ordinal);
        var dataVolume = Assert.Single(List(postgres.GetValueOrDefault("volumes"), "postgres volumes").Select(Text),
            volume => volume.EndsWith(":/var/lib/postgresql/data", StringComparison.Ordinal));
        Assert.Contains(dataVolume.Split(':')[0], volumes);
    }

    [Theory]
    [InlineData(Migrate)]
    [InlineData(Silo1)]
    [InlineData(Silo2)]
    [InlineData(Silo3)]
    [InlineData(Api)]
    public void Connection_string_reaches_the_postgres_service_with_its_credentials(string service)
    {
        var postgres = EnvironmentOf(Postgres);
        var connection = new NpgsqlConnectionStringBuilder(EnvironmentOf(service)["ConnectionStrings__Postgres"]);

        Assert.Equal(Postgres, connection.Host);
        Assert.Equal(5432, connection.Port);
        Assert.Equal(postgres["POSTGRES_DB"], connection.Database);
        Assert.Equal(postgres["POSTGRES_USER"], connection.Username);
        Assert.Equal(postgres["POSTGRES_PASSWORD"], connection.Password);
    }

    [Theory]
    [InlineData(Migrate)]
    [InlineData(Silo1)]
    [InlineData(Silo2)]
    [InlineData(Silo3)]
    [InlineData(Api)]
    public void Image_is_built_from_the_dockerfile_for_an_existing_project(string service)
    {
        var build = Map(Service(service).GetValueOrDefault("build"), $"{service}.build");
        var context = Path.GetFullPath(Path.Combine(RepoRoot, Text(build["context"])));
        Assert.Equal(RepoRoot, context.TrimEnd(Path.DirectorySeparatorChar));
        Assert.True(File.Exists(Path.Combine(context, Text(build["dockerfile"]))), $"{service}: {build["dockerfile"]} does not exist");

        var args = Map(build.GetValueOrDefault("args"), $"{service}.build.args");
        Assert.All(args.Keys.Select(Text), arg => Assert.Contains(Dockerfile, i => i.Is("ARG") && i.Arguments.StartsWith(arg, StringComparison.Ordinal)));

        var project = BuildProject(service);
        Assert.Equal(ExpectedProject[service], project);
        Assert.True(File.Exists(Path.Combine(context, project, $"{project}.csproj")), $"{service}: {project}/{project}.csproj does not exist");
    }

    [Fact]
    public void Silo_services_share_one_image_and_the_api_has_its_own()
    {
        var siloImages = new[] { Migrate, Silo1, Silo2, Silo3 }.Select(s => Text(Service(s)["image"])).Distinct(StringComparer.Ordinal);
        var siloImage = Assert.Single(siloImages);
        Assert.NotEqual(siloImage, Text(Service(Api)["image"]));
    }

    /// <summary>Configuration binding ignores unknown keys, so a misspelt key would silently fall back to a default.</summary>
    [Theory]
    [InlineData(Migrate)]
    [InlineData(Silo1)]
    [InlineData(Silo2)]
    [InlineData(Silo3)]
    [InlineData(Api)]
    public void Every_environment_key_is_one_the_process_reads(string service)
    {
        foreach (var key in EnvironmentOf(service).Keys)
        {
            Assert.True(ProcessConfiguration.Reads(BuildProject(service), key), $"{service}: '{key}' is not a configuration key the code reads.");
        }
    }

    [Theory]
    [InlineData(Migrate)]
    [InlineData(Silo1)]
    [InlineData(Silo2)]
    [InlineData(Silo3)]
    [InlineData(Api)]
    public void Declared_values_bind_to_the_options_the_hosting_code_uses(string service)
    {
        var environment = EnvironmentOf(service);
        var configuration = EffectiveConfiguration(service);

        var grid = GridOptions.FromConfiguration(configuration);
        foreach (var (key, value) in environment.Where(pair => pair.Key.StartsWith(GridOptions.Section + "__", StringComparison.Ordinal)))
        {
            var property = typeof(GridOptions).GetProperty(key[(GridOptions.Section.Length + 2)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.NotNull(property);
            Assert.Equal(value, Convert.ToString(property.GetValue(grid), CultureInfo.InvariantCulture));
        }

        var postgres = PostgresSettings.FromConfiguration(configuration);
        Assert.NotNull(postgres);
        if (environment.TryGetValue("Postgres__Schema", out var schema))
        {
            Assert.Equal(schema, postgres.Schema);
        }
    }

    [Fact]
    public void Silos_and_api_form_one_cluster_and_each_silo_advertises_its_own_service_name()
    {
        var identities = new[] { Silo1, Silo2, Silo3, Api }
            .Select(s => GridOptions.FromConfiguration(EffectiveConfiguration(s)))
            .Select(g => (g.ClusterId, g.ServiceId))
            .Distinct();
        Assert.Single(identities);

        foreach (var silo in SiloServices)
        {
            var environment = EnvironmentOf(silo);
            Assert.Contains("Orleans__SiloPort", environment.Keys);
            Assert.Contains("Orleans__GatewayPort", environment.Keys);
            Assert.Equal(silo, GridOptions.FromConfiguration(EffectiveConfiguration(silo)).AdvertisedIp);
        }
    }

    [Theory]
    [InlineData(Silo1)]
    [InlineData(Silo2)]
    [InlineData(Silo3)]
    [InlineData(Api)]
    public void Health_check_calls_ready_on_the_port_the_service_listens_on_every_interface(string service)
    {
        var listen = ListenAddress(service);
        Assert.Contains(listen.Host, ProcessConfiguration.AnyInterfaceHosts);

        var check = HealthCheck(service);
        Assert.Equal(["CMD", "curl"], check.Take(2));
        var target = new Uri(Assert.Single(check, part => part.StartsWith("http", StringComparison.Ordinal)));
        Assert.Equal(listen.Port, target.Port);
        Assert.Equal(HealthEndpoints.ReadyPath, target.AbsolutePath);
    }

    [Fact]
    public void Api_publishes_the_port_it_listens_on()
    {
        var listenPort = ListenAddress(Api).Port;
        var ports = List(Service(Api).GetValueOrDefault("ports"), "api.ports").Select(Text).ToList();
        Assert.NotEmpty(ports);
        Assert.All(ports, mapping => Assert.Equal(listenPort, int.Parse(mapping.Split(':')[^1], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Migrate_runs_the_command_the_silo_program_recognises_once()
    {
        var migrate = Service(Migrate);
        var command = migrate["command"] is string single ? [single] : List(migrate["command"], "migrate.command").Select(Text).ToList();
        Assert.Equal([ProcessConfiguration.MigrateCommand()], command);
        Assert.Equal("no", Text(migrate["restart"]));
        // Without a connection string the Silo's migrate path exits with an error instead of migrating.
        Assert.Contains("ConnectionStrings__Postgres", EnvironmentOf(Migrate).Keys);
    }

    [Fact]
    public void Start_order_is_postgres_then_migrate_then_silos_then_api()
    {
        var expected = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            [Postgres] = [],
            [Migrate] = ["postgres:service_healthy"],
            [Silo1] = ["migrate:service_completed_successfully"],
            [Silo2] = ["migrate:service_completed_successfully"],
            [Silo3] = ["migrate:service_completed_successfully"],
            [Api] = ["silo1:service_healthy", "silo2:service_healthy", "silo3:service_healthy"],
        };

        foreach (var (service, dependencies) in expected)
        {
            Assert.Equal(dependencies, DependsOn(service).Select(d => $"{d.Key}:{d.Value}").Order(StringComparer.Ordinal));
        }

        // Waiting for service_healthy on a service without a health check never completes.
        foreach (var target in ExpectedServices.SelectMany(DependsOn).Where(d => d.Value == "service_healthy").Select(d => d.Key))
        {
            Assert.NotEmpty(HealthCheck(target));
        }
    }

    [Fact]
    public void Dockerfile_builds_on_the_dotnet_10_sdk_and_runs_on_aspnet_as_app_with_curl()
    {
        var stages = Dockerfile.Where(i => i.Is("FROM")).Select(i => i.Arguments).ToList();
        Assert.Contains(stages, from => from.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", StringComparison.Ordinal));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", stages[^1], StringComparison.Ordinal);

        var runtime = Dockerfile.Skip(Dockerfile.ToList().FindLastIndex(i => i.Is("FROM"))).ToList();
        Assert.Equal("app", runtime.Last(i => i.Is("USER")).Arguments);
        // The compose health checks call curl inside the container.
        Assert.Contains(runtime, i => i.Is("RUN") && CurlInstallPattern().IsMatch(i.Arguments));
    }

    [Fact]
    public void Dockerfile_entry_point_runs_each_projects_assembly_name()
    {
        var entryPoint = JsonSerializer.Deserialize<string[]>(Dockerfile.Single(i => i.Is("ENTRYPOINT")).Arguments);
        Assert.NotNull(entryPoint);
        var arms = EntryPointArmPattern().Matches(string.Join(' ', entryPoint))
            .ToDictionary(m => m.Groups["project"].Value, m => m.Groups["assembly"].Value, StringComparer.Ordinal);

        Assert.Equal(ExpectedProject.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), arms.Keys.Order(StringComparer.Ordinal));
        foreach (var (project, assembly) in arms)
        {
            Assert.Equal(ReadProject(Path.Combine(RepoRoot, project, $"{project}.csproj")).AssemblyName, assembly);
        }
    }

    /// <summary>Restore runs on csproj files alone; a project missing from those COPY lines breaks the image build.</summary>
    [Fact]
    public void Dockerfile_copies_every_restore_input_before_restoring()
    {
        var restore = Dockerfile.ToList().FindIndex(i => i.Is("RUN") && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore > 0, "no `RUN dotnet restore` in the Dockerfile");
        var copiedBeforeRestore = Dockerfile.Take(restore).Where(i => i.Is("COPY"))
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .ToHashSet(StringComparer.Ordinal);

        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
        {
            Assert.Contains(file, copiedBeforeRestore);
        }

        foreach (var csproj in ExpectedProject.Values.Distinct(StringComparer.Ordinal).SelectMany(p => ProjectClosure(Path.Combine(RepoRoot, p, $"{p}.csproj"))))
        {
            Assert.Contains(Path.GetRelativePath(RepoRoot, csproj).Replace('\\', '/'), copiedBeforeRestore);
        }

        Assert.Contains(Dockerfile.Skip(restore), i => i.Is("COPY") && i.Arguments == ". .");
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_and_git_out_of_the_context()
    {
        var patterns = File.ReadAllLines(Path.Combine(RepoRoot, ".dockerignore"))
            .Select(line => line.Trim().TrimEnd('/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("**/bin", patterns);
        Assert.Contains("**/obj", patterns);
        Assert.Contains(".git", patterns);
        Assert.Contains("artifacts", patterns);
    }

    private static List<DockerInstruction> LoadDockerfile()
    {
        var instructions = new List<DockerInstruction>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(Path.Combine(RepoRoot, "deploy", "Dockerfile")))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            var whole = pending + line;
            pending = "";
            var space = whole.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(new DockerInstruction(whole[..space].ToUpperInvariant(), whole[(space + 1)..].Trim()));
        }

        return instructions;
    }

    private static List<string> HealthCheck(string service)
    {
        var healthcheck = Service(service).GetValueOrDefault("healthcheck");
        return healthcheck is null ? [] : List(Map(healthcheck, $"{service}.healthcheck").GetValueOrDefault("test"), $"{service}.healthcheck.test").Select(Text).ToList();
    }

    private static Dictionary<string, string> DependsOn(string service) =>
        Service(service).GetValueOrDefault("depends_on") is { } node
            ? Map(node, $"{service}.depends_on").ToDictionary(
                pair => Text(pair.Key),
                pair => Text(Map(pair.Value, $"{service}.depends_on.{pair.Key}").GetValueOrDefault("condition")),
                StringComparer.Ordinal)
            : [];

    private static IConfigurationRoot EffectiveConfiguration(string service) =>
        ProcessConfiguration.Effective(BuildProject(service), EnvironmentOf(service));

    private static (string Host, int Port) ListenAddress(string service) =>
        ProcessConfiguration.ListenAddress(EffectiveConfiguration(service), service);

    private static (string AssemblyName, IReadOnlyList<string> References) ReadProject(string csproj)
    {
        var document = XDocument.Load(csproj);
        var assemblyName = document.Descendants("AssemblyName").Select(e => e.Value).SingleOrDefault()
            ?? Path.GetFileNameWithoutExtension(csproj);
        var references = document.Descendants("ProjectReference")
            .Select(e => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(csproj)!, e.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar))))
            .ToList();
        return (assemblyName, references);
    }

    private static HashSet<string> ProjectClosure(string csproj)
    {
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(csproj)]);
        while (pending.TryPop(out var current))
        {
            if (closure.Add(current))
            {
                foreach (var reference in ReadProject(current).References)
                {
                    pending.Push(reference);
                }
            }
        }

        return closure;
    }

    [GeneratedRegex(@"(?<project>[A-Za-z.]+)\)\s*exec dotnet (?<assembly>[A-Za-z.]+)\.dll")]
    private static partial Regex EntryPointArmPattern();

    [GeneratedRegex(@"apt-get install .*\bcurl\b")]
    private static partial Regex CurlInstallPattern();

    private sealed record DockerInstruction(string Keyword, string Arguments)
    {
        public bool Is(string keyword) => Keyword == keyword;
    }
}
