using Microsoft.AspNetCore.SignalR;
using Phyght.Core.Realtime;

namespace Phyght.Api.Realtime;

public static class RealtimeEndpoints
{
    public static void AddRealtime(this IHostApplicationBuilder builder)
    {
        // The video inside an event has the same snake_case fields as in every HTTP response.
        builder.Services.AddSignalR(options =>
            {
                options.AddFilter<HubCallLimiter>();
                options.AddFilter<HubServerFailureFilter>();
            })
            .AddJsonProtocol(options => ApiJson.Configure(options.PayloadSerializerOptions));
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section)
            .Validate(o => o.ClientQueueLimit > 0 && o.MaxReplay > 0 && o.MaxSubscriptions > 0 && o.MaxConnectionsPerUser > 0 && o.CallsPerSecond > 0,
                $"{RealtimeOptions.Section}: ClientQueueLimit, MaxReplay, MaxSubscriptions, MaxConnectionsPerUser and CallsPerSecond must be positive.")
            .Validate(o => o.WriteIntervalMilliseconds is >= 0 and <= 1_000, $"{RealtimeOptions.Section}: WriteIntervalMilliseconds must be from 0 to 1000.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RealtimeConnections>();
        builder.Services.AddSingleton<HubLifetimeManager<RealtimeHub>>(services => services.GetRequiredService<RealtimeConnections>());
        builder.Services.AddSingleton<Subscribers>();
        builder.Services.AddSingleton<HubCallLimiter>();
        builder.Services.AddSingleton<HubServerFailureFilter>();
        builder.Services.AddSingleton<RealtimeMetrics>();
        builder.Services.AddHostedService<ChangeFanout>();
        builder.Services.AddSingleton<RoleChanges>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RoleChanges>());
        builder.Services.AddHostedService<OutboxDrainer>();
    }

    public static IEndpointRouteBuilder MapRealtimeEndpoints(this WebApplication app)
    {
        // A token that was presented but did not validate is refused at connect, not silently downgraded to anonymous.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/realtime"), branch => branch.Use(async (context, next) =>
        {
            var presented = context.Request.Query.ContainsKey("access_token") || context.Request.Headers.Authorization.Count > 0;
            if (presented && context.User.Identity?.IsAuthenticated != true)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        }));
        // A connection lives no longer than the token it was opened with; the client reconnects with a fresh one.
        app.MapHub<RealtimeHub>("/realtime", options => options.CloseOnAuthenticationExpiration = true);
        return app;
    }
}
