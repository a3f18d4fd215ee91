using Phyght.Core.Data;
using Phyght.Migrations;

// Brings the database schema up to date as the database's owner, then exits: the API and the worker start after it
// (WaitForCompletion) and never hold the owner's rights.
var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddPhyghtDatabase();
builder.Services.AddHostedService<SchemaMigrator>();

builder.Build().Run();
