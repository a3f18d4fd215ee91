extern alias PhyghtApi;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PhyghtApi::Phyght.Api.Auth;

namespace Phyght.Tests.Unit.Api;

/// <summary>The memory of validated access tokens: it answers a token seen before exactly as validating it again
/// would, and never a token it did not validate, past its expiry, or with another request's identity.</summary>
public sealed class ValidatedTokensTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly SymmetricSecurityKey Key = new(RandomNumberGenerator.GetBytes(32));

    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = "phyght",
        ValidAudience = "phyght-api",
        IssuerSigningKey = Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.Zero,
    };

    private static ValidatedTokens Create(TimeProvider time) =>
        new(time, new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private static string Token(string subject, DateTime expires, SecurityKey? key = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "phyght",
        Audience = "phyght-api",
        NotBefore = expires.AddHours(-1),
        Expires = expires,
        Subject = new ClaimsIdentity([new Claim("sub", subject)]),
        SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.HmacSha256),
    });

    [Fact]
    public async Task A_token_seen_again_validates_as_before_with_an_identity_of_its_own()
    {
        var tokens = Create(TimeProvider.System);
        var token = Token("user-1", DateTime.UtcNow.AddMinutes(10));

        var first = await tokens.ValidateTokenAsync(token, Parameters);
        var again = await tokens.ValidateTokenAsync(token, Parameters);

        Assert.True(first.IsValid);
        Assert.True(again.IsValid);
        Assert.Equal("user-1", again.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.NotSame(first.ClaimsIdentity, again.ClaimsIdentity);
        again.ClaimsIdentity.AddClaim(new Claim("added", "by one request"));
        Assert.Null((await tokens.ValidateTokenAsync(token, Parameters)).ClaimsIdentity.FindFirst("added"));
    }

    [Fact]
    public async Task A_token_that_differs_from_a_remembered_one_is_validated_on_its_own()
    {
        var tokens = Create(TimeProvider.System);
        var token = Token("user-1", DateTime.UtcNow.AddMinutes(10));
        Assert.True((await tokens.ValidateTokenAsync(token, Parameters)).IsValid);

        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        var otherKey = Token("user-1", DateTime.UtcNow.AddMinutes(10), new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)));

        Assert.False((await tokens.ValidateTokenAsync(tampered, Parameters)).IsValid);
        Assert.False((await tokens.ValidateTokenAsync(otherKey, Parameters)).IsValid);
        Assert.False((await tokens.ValidateTokenAsync(otherKey, Parameters)).IsValid);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var expires = DateTime.UtcNow.AddMinutes(10);
        var clock = new Clock(new DateTimeOffset(expires.AddMinutes(-5)));
        var tokens = Create(clock);
        var token = Token("user-1", expires);
        Assert.True((await tokens.ValidateTokenAsync(token, Parameters)).IsValid);

        // The validator reads the real clock; the memory reads the injected one: past expiry by the injected clock the
        // memory must not answer, so the token is validated again (and is still valid by the real clock).
        clock.Now = new DateTimeOffset(expires.AddSeconds(1));
        var parameters = Parameters.Clone();
        parameters.LifetimeValidator = (_, _, _, _) => false;

        Assert.False((await tokens.ValidateTokenAsync(token, parameters)).IsValid);
    }
}
