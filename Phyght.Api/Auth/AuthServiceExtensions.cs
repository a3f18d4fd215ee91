using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Phyght.Api.Auth;

public static class AuthServiceExtensions
{
    public static void AddAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section)
            .Validate(o => IsValidKey(o.SigningKey), $"{JwtOptions.Section}:SigningKey must be base64 of at least 32 bytes (the AppHost generates one).")
            .ValidateOnStart();
        builder.Services.AddOptions<BootstrapAdminOptions>().BindConfiguration(BootstrapAdminOptions.Section);

        builder.Services.AddIdentityCore<PhyghtUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<PhyghtDbContext>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwt) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    IssuerSigningKey = IsValidKey(jwt.Value.SigningKey) ? TokenService.SigningKey(jwt.Value) : null,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "sub",
                };
                bearer.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on WebSockets: the hub alone takes the token from the query.
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments("/realtime")
                            && context.Request.Query["access_token"].FirstOrDefault() is { Length: > 0 } token)
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder().AddPhyghtPolicies();
        builder.Services.AddScoped<IAuthorizationHandler, StoredRoleHandler>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<CallerDatabaseSession>();
        builder.Services.ConfigureDbContext<PhyghtDbContext>((services, options) => options.AddInterceptors(services.GetRequiredService<CallerDatabaseSession>()));
        builder.Services.AddScoped<Caller>();
        builder.Services.AddScoped<TokenService>();
        builder.Services.AddScoped<BootstrapAdmin>();
        builder.Services.AddRateLimits(builder.Configuration);
    }

    private static bool IsValidKey(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return false;
        }
        var bytes = new byte[key.Length];
        return Convert.TryFromBase64String(key, bytes, out var length) && length >= 32;
    }
}
