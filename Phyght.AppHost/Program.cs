var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgresExecutable("postgres");
var database = postgres.AddLocalDatabase("phyght").WithPsqlHint();
// One login per service, each granted by the migrations only what that service uses; none is a superuser.
var ownerLogin = database.AddLogin("phyght-owner", "phyght_owner", ownsDatabase: true);
var apiLogin = database.AddLogin("phyght-api", "phyght_api");
var accountsLogin = database.AddLogin("phyght-accounts", "phyght_accounts");
var workerLogin = database.AddLogin("phyght-worker", "phyght_worker");

var redis = builder.AddRedisExecutable("redis");

var storage = builder.AddAzuriteExecutable("storage");
var blobs = storage.AddBlobs("blobs");

var jwtSigningKey = builder.CreateGeneratedSecret("jwt-signing-key", bytes: 48);

var migrations = builder.AddProject<Projects.Phyght_Migrations>("migrations")
    .WithReference(ownerLogin, connectionName: "phyght").WaitFor(database)
    .WithServiceDefaults();

var apiDatabase = new ApiDatabase(apiLogin, accountsLogin, migrations);
var api = builder.AddApi("api", apiDatabase, redis, blobs, jwtSigningKey);
builder.AddSecondApiInstanceIfConfigured(apiDatabase, redis, blobs, jwtSigningKey);

builder.AddProject<Projects.Phyght_Worker>("worker")
    .WithReference(workerLogin, connectionName: "phyght").WaitForCompletion(migrations)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WaitFor(api)
    .WithConfigurationSection("Processing")
    .WithConfigurationSection("Housekeeping")
    .WithServiceDefaults()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
