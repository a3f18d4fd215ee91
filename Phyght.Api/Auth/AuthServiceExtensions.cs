using System.Text;
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
        builder.Services.AddOptions<SignInThrottleOptions>().BindConfiguration(SignInThrottleOptions.Section)
            .Validate(o => o.FreeFailuresPerAccount > 0 && o.FreeFailuresPerAddress > 0 && o.MaxBackoffSeconds > 0,
                $"{SignInThrottleOptions.Section}: every value must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SignInThrottle>();

        builder.Services.AddIdentityCore<PhyghtUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequireUppercase = false;
                // No lockout: it let anyone lock any account, the admin's included. SignInThrottle backs off instead.
                options.Lockout.AllowedForNewUsers = false;
            })
            .AddEntityFrameworkStores<AccountsDbContext>();

        builder.Services.AddOptions<ExternalIssuerOptions>().BindConfiguration(ExternalIssuerOptions.Section)
            .Validate(o => o.IsValid, $"{ExternalIssuerOptions.Section} needs Audience and either Authority or a SigningKey of at least 32 bytes.")
            .ValidateOnStart();
        builder.Services.AddScoped<ExternalAccounts>();

        builder.Services.AddAuthentication(AuthSchemes.Caller)
            .AddPolicyScheme(AuthSchemes.Caller, null, options => options.ForwardDefaultSelector = AuthSchemes.Select)
            .AddJwtBearer(AuthSchemes.Phyght)
            .AddJwtBearer(AuthSchemes.External);
        builder.Services.AddSingleton<ValidatedTokens>();
        builder.Services.AddOptions<JwtBearerOptions>(AuthSchemes.Phyght)
            .Configure<IOptions<JwtOptions>, ValidatedTokens>((bearer, jwt, validatedTokens) =>
            {
                bearer.MapInboundClaims = false;
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(validatedTokens);
                bearer.TokenValidationParameters = Validation(jwt.Value.Issuer, jwt.Value.Audience);
                bearer.TokenValidationParameters.IssuerSigningKey = IsValidKey(jwt.Value.SigningKey) ? TokenService.SigningKey(jwt.Value) : null;
                bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
                bearer.Events = new JwtBearerEvents { OnMessageReceived = TakeQueryToken };
            });
        builder.Services.AddOptions<JwtBearerOptions>(AuthSchemes.External)
            .Configure<IOptions<ExternalIssuerOptions>>((bearer, external) =>
            {
                var options = external.Value;
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = Validation(options.Issuer, options.Audience);
                if (!string.IsNullOrEmpty(options.Authority))
                {
                    bearer.Authority = options.Authority;
                    bearer.RequireHttpsMetadata = options.RequireHttpsMetadata;
                }
                else if (!string.IsNullOrEmpty(options.SigningKey))
                {
                    bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey));
                    bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
                }
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = TakeQueryToken,
                    OnTokenValidated = async context => context.Principal = await context.HttpContext.RequestServices
                        .GetRequiredService<ExternalAccounts>()
                        .SignInAsync(options.Issuer!, context.Principal!, context.HttpContext.RequestAborted),
                };
            });

        builder.Services.AddAuthorizationBuilder().AddPhyghtPolicies();
        builder.Services.AddScoped<IAuthorizationHandler, StoredRoleHandler>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<CallerDatabaseSession>();
        builder.Services.ConfigureDbContext<PhyghtDbContext>((services, options) => options.AddInterceptors(services.GetRequiredService<CallerDatabaseSession>()));
        builder.Services.ConfigureDbContext<AccountsDbContext>((services, options) => options.AddInterceptors(services.GetRequiredService<CallerDatabaseSession>()));
        builder.Services.AddScoped<Caller>();
        builder.Services.AddOptions<RoleCacheOptions>().BindConfiguration(RoleCacheOptions.Section)
            .Validate(o => o.Seconds > 0, $"{RoleCacheOptions.Section}:Seconds must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<RoleCache>();
        builder.Services.AddScoped<TokenService>();
        builder.Services.AddScoped<BootstrapAdmin>();
        builder.Services.AddRateLimits(builder.Configuration);
    }

    private static TokenValidationParameters Validation(string? issuer, string? audience) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = "sub",
    };

    private static Task TakeQueryToken(MessageReceivedContext context)
    {
        context.Token ??= AuthSchemes.QueryToken(context.Request);
        return Task.CompletedTask;
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
