using Phyght.Api.Auth;
using Phyght.Api.Realtime;
using Phyght.Api.Sync;
using Phyght.Api.Uploads;
using Phyght.Api.Videos;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseApiPipeline();
app.MapDefaultEndpoints();
app.MapApiReference();

app.MapAuthEndpoints();
app.MapProfileEndpoints();
app.MapVideoEndpoints();
app.MapUploadEndpoints();
app.MapDirectUploadEndpoints();
app.MapSyncEndpoints();
app.MapRealtimeEndpoints();

await app.EnsureBootstrapAdminAsync();
app.Run();
