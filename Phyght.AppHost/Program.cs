using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);
builder.UseOrchestratorLauncher();

// Running: this machine's PostgreSQL, Redis and Azurite. Publishing: Aspire's containers and a storage account.
var database = builder.AddPhyghtDatabase("postgres", "phyght");
// One login per service, each granted by the migrations only what that service uses; none is a superuser.
var ownerLogin = database.AddLogin("phyght-owner", "phyght_owner", ownsDatabase: true);
var apiLogin = database.AddLogin("phyght-api", "phyght_api");
var accountsLogin = database.AddLogin("phyght-accounts", "phyght_accounts");
var workerLogin = database.AddLogin("phyght-worker", "phyght_worker");

var redis = builder.AddPhyghtRedis("redis");
var blobs = builder.AddPhyghtBlobs("storage", "blobs");

var jwtSigningKey = builder.CreateGeneratedSecret("jwt-signing-key", bytes: 48);

var migrations = builder.AddProject<Projects.Phyght_Migrations>("migrations")
    .WithProvisioningOf(database)
    .WithServiceDefaults();

var apiDatabase = new ApiDatabase(apiLogin, accountsLogin, migrations);
var api = builder.AddApi("api", apiDatabase, redis, blobs, jwtSigningKey)
    .WithReplicasWhenPublished(2);
builder.AddExtraApiInstancesIfConfigured(apiDatabase, redis, blobs, jwtSigningKey);

builder.AddProject<Projects.Phyght_Worker>("worker")
    .WithReference(workerLogin, connectionName: "phyght").WaitForCompletion(migrations)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WithConfigurationSection("Processing")
    .WithConfigurationSection("Housekeeping")
    .WithServiceDefaults()
    .WithHttpHealthCheck("/health")
    .WithReplicas(builder.Configuration.GetValue("Phyght:WorkerReplicas", 1))
    .WithReplicasWhenPublished(2);

// The web page the frontend team builds on (@phyght/client); a dev server, so only when running.
if (!builder.ExecutionContext.IsPublishMode)
{
    builder.AddViteDevServer("web", "../clients/web", port: 5173)
        .WithReference(api).WaitFor(api);
}

builder.Build().Run();
