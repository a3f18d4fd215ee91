var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgresServer("postgres");
var database = postgres.AddDatabase("phyght").WithPsqlHint();

var redis = builder.AddRedisServer("redis");

var storage = builder.AddAzurite("storage");
var blobs = storage.AddBlobs("blobs");

var jwtSigningKey = builder.CreateGeneratedSecret("jwt-signing-key", bytes: 48);

var api = builder.AddApi("api", database, redis, blobs, jwtSigningKey);
builder.AddSecondApiInstanceIfConfigured(database, redis, blobs, jwtSigningKey);

builder.AddProject<Projects.Phyght_Worker>("worker")
    .WithReference(database).WaitFor(database)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WaitFor(api)
    .WithServiceDefaults()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
