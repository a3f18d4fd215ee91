using Phyght.Core.Data;
using Phyght.Migrations;

// Creates the database and its logins as the superuser, brings the schema up to date as the database's owner, then
// exits: the API and the worker start after it (WaitForCompletion) and never hold the superuser's or the owner's rights.
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddPhyghtDatabase();
builder.Services.AddOptions<ProvisioningOptions>().BindConfiguration(ProvisioningOptions.Section)
    .Validate(o => o.IsValid(out _), "Provisioning: needs the database name and its logins, exactly one of them the owner.")
    .ValidateOnStart();
builder.Services.AddHostedService<SchemaMigrator>();

builder.Build().Run();
