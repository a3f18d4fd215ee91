using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Phyght.Core.Data;

public static class DatabaseServiceExtensions
{
    /// <summary>
    /// The pooled <see cref="PhyghtDbContext"/> on <c>ConnectionStrings:phyght</c>, enriched by Aspire's Npgsql
    /// integration (health check, tracing, metrics). Writes run in explicit transactions under row locks, which EF's
    /// retrying strategy cannot replay, so its retries stay off; the worker retries whole jobs instead.
    /// <paramref name="callerOf"/> names the user a scope's context acts for (<see cref="PhyghtDbContext.CallerId"/>),
    /// decided when the scope first asks for the context: work a scope hands to another thread (a cache's factory)
    /// still acts for the same caller.
    /// </summary>
    public static IHostApplicationBuilder AddPhyghtDatabase(this IHostApplicationBuilder builder, Func<IServiceProvider, Guid?>? callerOf = null)
    {
        builder.Services.AddPooledDbContextFactory<PhyghtDbContext>(options =>
        {
            options.UseNpgsql(builder.Configuration.GetConnectionString(ResourceNames.Database), PhyghtDbContext.ConfigureNpgsql);
            PhyghtDbContext.Configure(options);
        });
        builder.Services.AddScoped(services =>
        {
            var db = services.GetRequiredService<IDbContextFactory<PhyghtDbContext>>().CreateDbContext();
            db.CallerId = callerOf?.Invoke(services);
            return db;
        });
        builder.EnrichNpgsqlDbContext<PhyghtDbContext>(settings => settings.DisableRetry = true);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>The pooled <see cref="AccountsDbContext"/> on <c>ConnectionStrings:phyght-accounts</c>, the accounts
    /// login (the API's alone).</summary>
    public static IHostApplicationBuilder AddAccountsDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDbContextPool<AccountsDbContext>(options =>
        {
            options.UseNpgsql(builder.Configuration.GetConnectionString(ResourceNames.Accounts), PhyghtDbContext.ConfigureNpgsql);
            PhyghtDbContext.Configure(options);
        });
        builder.EnrichNpgsqlDbContext<AccountsDbContext>(settings => settings.DisableRetry = true);
        return builder;
    }

    /// <summary>The one writer of videos (<see cref="Videos.VideoWriter"/>) and what it uses: the job queue, the change
    /// publisher and blob cleanup. Needs the database, Redis and blob storage clients.</summary>
    public static IHostApplicationBuilder AddVideoWriter(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<JobQueue>();
        builder.Services.AddScoped<Realtime.ChangePublisher>();
        builder.Services.AddSingleton<Videos.VideoBlobs>();
        builder.Services.AddScoped<Videos.VideoWriter>();
        return builder;
    }
}
