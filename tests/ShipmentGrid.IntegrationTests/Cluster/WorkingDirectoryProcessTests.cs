using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// Configuration does not depend on where a binary is started from: ASPNETCORE_URLS is honoured and each binary reads
/// the appsettings.json beside it, never one in the working directory.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class WorkingDirectoryProcessTests(PostgresServer postgres) : IDisposable
{
    private readonly DirectoryInfo elsewhere = CreateFolderWithForeignAppSettings();

    [Fact]
    public async Task Silo_and_api_started_from_another_folder_listen_on_ASPNETCORE_URLS_and_read_their_own_appsettings()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("cwd"));

        // Ready on the ASPNETCORE_URLS port proves the URL won; a start that read the working directory's
        // appsettings.json would have failed on its content.
        await using var silo = await cluster.StartSiloAsync("silo", elsewhere.FullName);
        await using var api = await cluster.StartApiAsync(elsewhere.FullName);

        Assert.Contains($"Content root path: {BinaryFolder("Silo", "ShipmentGrid.Silo.dll")}", silo.Output, StringComparison.Ordinal);
        Assert.Contains($"Content root path: {BinaryFolder("Client.Api", "ShipmentGrid.Api.dll")}", api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere.FullName, silo.Output + api.Output, StringComparison.Ordinal);
    }

    public void Dispose() => elsewhere.Delete(recursive: true);

    private static string BinaryFolder(string project, string assembly) =>
        Path.GetDirectoryName(RepositoryLayout.ProjectOutput(project, assembly))! + Path.DirectorySeparatorChar;

    private static DirectoryInfo CreateFolderWithForeignAppSettings()
    {
        var folder = Directory.CreateTempSubdirectory("shipmentgrid-cwd-");
        File.WriteAllText(Path.Combine(folder.FullName, "appsettings.json"), "{ \"Urls\": \"http://127.0.0.1:1\", not json");
        return folder;
    }
}
