using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Hosting.Kubernetes;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Process;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Deployment;

/// <summary>
/// No Kubernetes cluster runs deploy/kubernetes in CI, so every document there is loaded with the Kubernetes client's own
/// models in strict mode (an unknown kind or a misspelt field fails to load) and checked against the code it configures:
/// environment keys the processes read, the RBAC the Kubernetes hosting package needs, the cluster identity on the silo
/// pods, probes on the health endpoints and the ports the processes listen on, the migration command.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private const string SiloDeployment = "shipment-grid-silo";
    private const string ApiDeployment = "shipment-grid-api";
    private const string MigrateJob = "shipment-grid-migrate";

    /// <summary>PostgreSQL's default max_connections less its superuser_reserved_connections.</summary>
    private const int PostgresDefaultConnectionsForClients = 100 - 3;

    /// <summary>
    /// What Microsoft.Orleans.Hosting.Kubernetes 10.4.2 (KubernetesClusterAgent) asks of the API server, all on pods of the
    /// silo's namespace: read its own pod and merge-patch the cluster labels onto it (get, patch), list the cluster's pods
    /// at start (list) and watch them afterwards (list with watch). It deletes pods only with DeleteDefunctSiloPods,
    /// which KubernetesHosting leaves off.
    /// </summary>
    private static readonly string[] PodVerbsTheSiloNeeds = ["get", "list", "patch", "watch"];

    private static readonly string ManifestFolder = Path.Combine(RepositoryLayout.Root, "deploy", "kubernetes");

    private static readonly Lazy<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> Loaded = new(() =>
        Directory.GetFiles(ManifestFolder, "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(file => Load(File.ReadAllText(file)))
            .ToList());

    private static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Resources => Loaded.Value;

    [Fact]
    public void The_folder_holds_exactly_the_grids_objects_of_known_kinds()
    {
        var expected = new[]
        {
            "Namespace/shipment-grid",
            "ConfigMap/shipment-grid",
            "Secret/shipment-grid-postgres",
            "ServiceAccount/shipment-grid-silo",
            "Role/shipment-grid-silo-pods",
            "RoleBinding/shipment-grid-silo-pods",
            $"Job/{MigrateJob}",
            $"Deployment/{SiloDeployment}",
            $"PodDisruptionBudget/{SiloDeployment}",
            $"Deployment/{ApiDeployment}",
            $"Service/{ApiDeployment}",
        };
        Assert.Equal(expected.Order(StringComparer.Ordinal), Resources.Select(r => $"{r.Kind}/{r.Metadata.Name}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Loading_fails_on_a_misspelt_field_or_an_unknown_kind()
    {
        var silo = File.ReadAllText(Path.Combine(ManifestFolder, "silo.yaml"));
        Assert.NotEmpty(Load(silo));

        Assert.ThrowsAny<Exception>(() => Load(silo.Replace("  replicas: 3", "  replica: 3", StringComparison.Ordinal)));
        Assert.ThrowsAny<Exception>(() => Load(silo.Replace("terminationGracePeriodSeconds:", "terminationGracePeriod:", StringComparison.Ordinal)));
        Assert.ThrowsAny<Exception>(() => Load(silo.Replace("kind: Deployment", "kind: Deploymnet", StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_namespaced_object_is_in_the_grids_namespace()
    {
        var grid = Assert.Single(Resources.OfType<V1Namespace>()).Metadata.Name;
        Assert.All(Resources.Where(r => r is not V1Namespace), r => Assert.Equal(grid, r.Metadata.NamespaceProperty));
        Assert.All(Single<V1RoleBinding>().Subjects, subject => Assert.Equal(grid, subject.NamespaceProperty));
    }

    /// <summary>Configuration binding ignores unknown keys, so a misspelt key would silently fall back to a default.</summary>
    [Fact]
    public void Every_environment_key_a_container_gets_is_one_its_process_reads()
    {
        foreach (var (workload, _, container) in Containers())
        {
            var project = Project(container);
            foreach (var key in EnvironmentOf(container).Keys)
            {
                Assert.True(ProcessConfiguration.Reads(project, key), $"{workload}/{container.Name}: '{key}' is not a configuration key {project} reads.");
            }
        }
    }

    [Fact]
    public void Containers_run_the_images_compose_builds_for_their_role()
    {
        Assert.Equal(ProcessConfiguration.SiloProject, Project(Container(SiloDeployment)));
        Assert.Equal(ProcessConfiguration.SiloProject, Project(Container(MigrateJob)));
        Assert.Equal(ProcessConfiguration.ApiProject, Project(Container(ApiDeployment)));
        Assert.Equal(Container(SiloDeployment).Image, Container(MigrateJob).Image);
    }

    [Fact]
    public void Role_grants_the_pod_access_the_kubernetes_hosting_needs_and_nothing_cluster_wide()
    {
        Assert.DoesNotContain(Resources, r => r.Kind is "ClusterRole" or "ClusterRoleBinding");

        var rule = Assert.Single(Single<V1Role>().Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(PodVerbsTheSiloNeeds, rule.Verbs.Order(StringComparer.Ordinal));
        Assert.Null(rule.ResourceNames);
    }

    [Fact]
    public void The_role_is_bound_to_the_service_account_the_silo_pods_run_as_and_only_silos_get_a_token()
    {
        var account = Single<V1ServiceAccount>().Metadata.Name;
        var binding = Single<V1RoleBinding>();
        Assert.Equal(("rbac.authorization.k8s.io", "Role", Single<V1Role>().Metadata.Name), (binding.RoleRef.ApiGroup, binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account), (subject.Kind, subject.Name));

        var silo = PodSpec(SiloDeployment);
        Assert.Equal(account, silo.ServiceAccountName);
        Assert.NotEqual(false, silo.AutomountServiceAccountToken);
        Assert.Equal(false, PodSpec(ApiDeployment).AutomountServiceAccountToken);
        Assert.Equal(false, PodSpec(MigrateJob).AutomountServiceAccountToken);
    }

    /// <summary>
    /// The silos list and watch the pods labelled with their ServiceId and ClusterId: pods labelled otherwise would be
    /// invisible to them, and a silo whose identity differed from the API's would form a cluster the API never finds.
    /// </summary>
    [Fact]
    public void Silo_pods_are_labelled_with_the_cluster_identity_the_silos_and_the_api_are_configured_with()
    {
        var configuration = EffectiveConfiguration(Container(SiloDeployment));
        var grid = GridOptions.FromConfiguration(configuration);
        var labels = Deployment(SiloDeployment).Spec.Template.Metadata.Labels;
        Assert.Equal(grid.ServiceId, labels[KubernetesHostingOptions.ServiceIdLabel]);
        Assert.Equal(grid.ClusterId, labels[KubernetesHostingOptions.ClusterIdLabel]);

        var api = GridOptions.FromConfiguration(EffectiveConfiguration(Container(ApiDeployment)));
        Assert.Equal((grid.ClusterId, grid.ServiceId), (api.ClusterId, api.ServiceId));

        // A silo may relabel its own pod; a selector on these labels would then orphan it.
        var selector = Deployment(SiloDeployment).Spec.Selector.MatchLabels.Keys;
        Assert.DoesNotContain(KubernetesHostingOptions.ServiceIdLabel, selector);
        Assert.DoesNotContain(KubernetesHostingOptions.ClusterIdLabel, selector);

        var inPod = new ConfigurationBuilder().AddConfiguration(configuration)
            .AddInMemoryCollection([KeyValuePair.Create(KubernetesHosting.ServiceHostVariable, (string?)"10.0.0.1")])
            .Build();
        Assert.True(KubernetesHosting.IsEnabled(grid, inPod, postgresMode: PostgresConfigured(configuration)));
        Assert.Null(KubernetesHosting.IdentityConflict(grid, inPod));
    }

    [Fact]
    public void Silo_takes_its_pod_name_namespace_and_ip_from_the_downward_api()
    {
        var fields = Container(SiloDeployment).Env.Where(e => e.ValueFrom?.FieldRef is not null)
            .ToDictionary(e => e.Name, e => e.ValueFrom.FieldRef.FieldPath, StringComparer.Ordinal);
        Assert.Equal("metadata.name", fields[KubernetesHostingOptions.PodNameEnvironmentVariable]);
        Assert.Equal("metadata.namespace", fields[KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);
        Assert.Equal("status.podIP", fields[KubernetesHostingOptions.PodIPEnvironmentVariable]);
        // The pod IP is advertised only when no address is configured (KubernetesHosting).
        Assert.Null(GridOptions.FromConfiguration(EffectiveConfiguration(Container(SiloDeployment))).AdvertisedIp);
    }

    [Theory]
    [InlineData(SiloDeployment)]
    [InlineData(ApiDeployment)]
    public void Probes_call_the_health_endpoints_on_the_port_the_process_listens_on(string deployment)
    {
        var container = Container(deployment);
        var listen = ProcessConfiguration.ListenAddress(EffectiveConfiguration(container), deployment);
        Assert.Contains(listen.Host, ProcessConfiguration.AnyInterfaceHosts);

        Assert.Equal(HealthEndpoints.ReadyPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HealthEndpoints.LivePath, container.LivenessProbe.HttpGet.Path);
        Assert.Equal(HealthEndpoints.LivePath, container.StartupProbe.HttpGet.Path);
        foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe, container.StartupProbe })
        {
            Assert.Equal(listen.Port, ContainerPort(container, probe.HttpGet.Port));
        }
    }

    [Fact]
    public void Silo_exposes_the_silo_and_gateway_ports_it_is_configured_with()
    {
        var container = Container(SiloDeployment);
        var grid = GridOptions.FromConfiguration(EffectiveConfiguration(container));
        Assert.Equal(grid.SiloPort, ContainerPort(container, "silo"));
        Assert.Equal(grid.GatewayPort, ContainerPort(container, "gateway"));
    }

    [Theory]
    [InlineData(SiloDeployment)]
    [InlineData(ApiDeployment)]
    public void Pods_are_given_longer_to_stop_than_the_process_takes_after_sigterm(string deployment)
    {
        Assert.True(PodSpec(deployment).TerminationGracePeriodSeconds > GridHost.ExitDeadline.TotalSeconds,
            $"{deployment}: terminationGracePeriodSeconds {PodSpec(deployment).TerminationGracePeriodSeconds} is not above {GridHost.ExitDeadline}");
    }

    [Theory]
    [InlineData(SiloDeployment)]
    [InlineData(ApiDeployment)]
    public void Deployments_select_their_own_pods_only(string deployment)
    {
        var selector = Deployment(deployment).Spec.Selector.MatchLabels;
        Assert.True(Selects(selector, Deployment(deployment).Spec.Template.Metadata.Labels), $"{deployment} does not select its own pods");
        foreach (var other in Resources.OfType<V1Deployment>().Where(d => d.Metadata.Name != deployment))
        {
            Assert.False(Selects(selector, other.Spec.Template.Metadata.Labels), $"{deployment} also selects the pods of {other.Metadata.Name}");
        }
    }

    [Fact]
    public void Three_silos_and_a_disruption_budget_that_evicts_one_at_a_time()
    {
        var silos = Deployment(SiloDeployment);
        Assert.Equal(3, silos.Spec.Replicas);
        var budget = Single<V1PodDisruptionBudget>();
        Assert.True(Selects(budget.Spec.Selector.MatchLabels, silos.Spec.Template.Metadata.Labels));
        Assert.Equal(silos.Spec.Replicas - 1, int.Parse(budget.Spec.MinAvailable.Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Migrate_job_runs_the_migrate_command_through_the_images_entry_point_once()
    {
        var container = Container(MigrateJob);
        // command would replace the image's entry point, which picks the assembly; args are passed on to it.
        Assert.Null(container.Command);
        Assert.Equal([ProcessConfiguration.MigrateCommand()], container.Args);
        Assert.Equal("Never", PodSpec(MigrateJob).RestartPolicy);
        // Without a connection string the Silo's migrate path exits with an error instead of migrating.
        Assert.Contains("ConnectionStrings__Postgres", EnvironmentOf(container).Keys);
    }

    [Fact]
    public void Api_service_targets_the_port_the_api_listens_on()
    {
        var service = Single<V1Service>();
        var api = Deployment(ApiDeployment);
        Assert.True(Selects(service.Spec.Selector, api.Spec.Template.Metadata.Labels));
        Assert.False(Selects(service.Spec.Selector, Deployment(SiloDeployment).Spec.Template.Metadata.Labels));

        var container = Container(ApiDeployment);
        var listen = ProcessConfiguration.ListenAddress(EffectiveConfiguration(container), ApiDeployment);
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal(listen.Port, ContainerPort(container, port.TargetPort));
    }

    /// <summary>Each process keeps two pools of at most Maximum Pool Size connections (README, ConnectionStrings:Postgres).</summary>
    [Fact]
    public void Example_connection_string_keeps_every_pool_within_postgres_default_connection_limit()
    {
        var processes = Deployment(SiloDeployment).Spec.Replicas!.Value + Deployment(ApiDeployment).Spec.Replicas!.Value;
        var connection = new NpgsqlConnectionStringBuilder(EnvironmentOf(Container(SiloDeployment))["ConnectionStrings__Postgres"]);
        Assert.True(processes * 2 * connection.MaxPoolSize <= PostgresDefaultConnectionsForClients,
            $"{processes} processes x 2 pools x {connection.MaxPoolSize} exceed {PostgresDefaultConnectionsForClients} connections");
        Assert.True(File.Exists(Path.Combine(ManifestFolder, "secret.example.yaml")), "the Secret must stay visibly an example");
    }

    [Fact]
    public void Readme_names_every_manifest_and_only_existing_ones()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        var named = ManifestPathPattern().Matches(readme).Select(m => m.Groups["file"].Value).ToHashSet(StringComparer.Ordinal);
        var files = Directory.GetFiles(ManifestFolder, "*.yaml").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(files.Order(StringComparer.Ordinal), named.Order(StringComparer.Ordinal));
    }

    private static List<IKubernetesObject<V1ObjectMeta>> Load(string yaml) =>
        KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true).Cast<IKubernetesObject<V1ObjectMeta>>().ToList();

    private static T Single<T>() => Assert.Single(Resources.OfType<T>());

    private static T Named<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(Resources.OfType<T>(), r => r.Metadata.Name == name);

    private static V1Deployment Deployment(string name) => Named<V1Deployment>(name);

    private static V1PodSpec PodSpec(string workload) =>
        workload == MigrateJob ? Named<V1Job>(workload).Spec.Template.Spec : Deployment(workload).Spec.Template.Spec;

    private static V1Container Container(string workload) => Assert.Single(PodSpec(workload).Containers);

    private static IEnumerable<(string Workload, V1PodSpec Pod, V1Container Container)> Containers() =>
        Resources.OfType<V1Deployment>().Select(d => d.Metadata.Name)
            .Append(MigrateJob)
            .SelectMany(workload => PodSpec(workload).Containers.Select(container => (workload, PodSpec(workload), container)));

    /// <summary>The project an image is built from, as docker-compose.yml builds it.</summary>
    private static string Project(V1Container container)
    {
        var images = ComposeFile.ImageProjects();
        Assert.True(images.TryGetValue(container.Image, out var project), $"{container.Name}: {container.Image} is no image docker-compose.yml builds ({string.Join(", ", images.Keys)})");
        return project;
    }

    /// <summary>The variables a container starts with: its envFrom sources, then its own env, which wins.</summary>
    private static Dictionary<string, string> EnvironmentOf(V1Container container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.True(string.IsNullOrEmpty(source.Prefix), $"{container.Name}: an envFrom prefix changes every key");
            var entries = source.ConfigMapRef is { } map
                ? Named<V1ConfigMap>(map.Name).Data
                : SecretEntries(Named<V1Secret>(source.SecretRef.Name));
            foreach (var (key, value) in entries)
            {
                environment[key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = variable.Value ?? "";
        }

        return environment;
    }

    private static Dictionary<string, string> SecretEntries(V1Secret secret) =>
        (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(pair => pair.Key, pair => Encoding.UTF8.GetString(pair.Value), StringComparer.Ordinal)
            .Concat(secret.StringData ?? new Dictionary<string, string>())
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    private static IConfigurationRoot EffectiveConfiguration(V1Container container) =>
        ProcessConfiguration.Effective(Project(container), EnvironmentOf(container));

    private static bool PostgresConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Postgres"));

    /// <summary>A port given by name or number, as the container port number it refers to.</summary>
    private static int ContainerPort(V1Container container, IntOrString port)
    {
        var value = port.Value;
        var match = container.Ports.SingleOrDefault(p => p.Name == value || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == value);
        Assert.True(match is not null, $"{container.Name} declares no port '{value}'");
        return match.ContainerPort;
    }

    private static bool Selects(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    [GeneratedRegex(@"deploy/kubernetes/(?<file>[a-z.-]+\.yaml)")]
    private static partial Regex ManifestPathPattern();
}
