var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgresServer("postgres");
var database = postgres.AddDatabase("phyght").WithPsqlHint();

var redis = builder.AddRedisServer("redis");

var storage = builder.AddAzurite("storage");
var blobs = storage.AddBlobs("blobs");

var jwtSigningKey = builder.CreateGeneratedSecret("jwt-signing-key", bytes: 48);

var api = builder.AddProject<Projects.Phyght_Api>("api")
    .WithReference(database).WaitFor(database)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WithEnvironment("Auth__Jwt__SigningKey", ReferenceExpression.Create($"{jwtSigningKey}"))
    .WithBootstrapAdmin()
    .WithConfigurationSection("RateLimits")
    .WithConfigurationSection("Storage")
    .WithServiceDefaults()
    .WithApiReferenceLinks()
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Phyght_Worker>("worker")
    .WithReference(database).WaitFor(database)
    .WithReference(redis).WaitFor(redis)
    .WithReference(blobs).WaitFor(blobs)
    .WaitFor(api)
    .WithServiceDefaults()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
