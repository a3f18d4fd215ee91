using Phyght.Worker.Processing;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddProcessing();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
