using Orleans.Dashboard;
using ShipmentGrid.Api;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.Hosting.Cluster;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Hosting.Process;

var builder = GridHost.CreateBuilder(args, defaultUrls: "http://localhost:5080");
builder.AddShipmentGridObservability("shipment-grid-api");

// Embedded default: no database configured, so the API co-hosts a silo on localhost with memory providers.
// With ConnectionStrings:Postgres the API is a plain Orleans client of the silo cluster.
var embedded = PostgresSettings.FromConfiguration(builder.Configuration) is null;
if (embedded)
{
    builder.UseOrleans(silo => silo.UseShipmentGridSilo(builder.Configuration));
}
else
{
    builder.UseOrleansClient(client => client.UseShipmentGridClient(builder.Configuration));
}

builder.Services.AddShipmentGridHealth(builder.Configuration);
builder.Services.AddShipmentGridApi(builder.Configuration, embedded);
builder.Services.AddShipmentGridAudit(builder.Configuration);
builder.Services.AddClusterGauges();

var app = builder.Build();
app.UseShipmentGridApi();
app.MapShipmentGridHealth();
app.MapShipmentGridMetrics().RequireAuthorization(AccessPolicies.Staff);
app.MapOrleansDashboard(routePrefix: "/dashboard").ExcludeFromDescription().RequireAuthorization(AccessPolicies.Admin);
app.MapShipmentGridApi();
return await app.RunBoundedAsync();
