using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Phyght.Api.Auth;

public sealed record TokenPair(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken);

/// <summary>Issues short-lived JWT access tokens and rotating refresh tokens (stored hashed, grouped in families).</summary>
public sealed class TokenService(AccountsDbContext db, IOptions<JwtOptions> options, TimeProvider time, ILogger<TokenService> logger)
{
    private readonly JwtOptions _options = options.Value;

    public static SymmetricSecurityKey SigningKey(JwtOptions options) => new(Convert.FromBase64String(options.SigningKey));

    public async Task<TokenPair> IssueAsync(PhyghtUser user, Guid? familyId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var refresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        db.RefreshTokens.Add(new RefreshToken
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            TokenHash = Hash(refresh),
            FamilyId = familyId ?? Guid.NewGuid(),
            CreatedAt = now,
            ExpiresAt = now.AddDays(_options.RefreshTokenDays),
        });
        await db.SaveChangesAsync(ct);

        var access = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.AddMinutes(_options.AccessTokenMinutes).UtcDateTime,
            Subject = new ClaimsIdentity([
                new Claim(JwtRegisteredClaimNames.Sub, user.Id.ToString()),
                new Claim(JwtRegisteredClaimNames.Email, user.Email ?? ""),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString()),
            ]),
            SigningCredentials = new SigningCredentials(SigningKey(_options), SecurityAlgorithms.HmacSha256),
        });
        return new TokenPair(access, "bearer", _options.AccessTokenMinutes * 60, refresh);
    }

    /// <summary>Rotates a refresh token. A used token presented again means it leaked: the whole family is revoked.</summary>
    public async Task<TokenPair?> RefreshAsync(string presented, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var hash = Hash(presented);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var token = await db.LockRefreshTokenAsync(hash, ct);
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return null;
        }
        if (token.UsedAt is not null)
        {
            var revoked = await db.RefreshTokens
                .Where(t => t.FamilyId == token.FamilyId && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
            await transaction.CommitAsync(ct);
            logger.LogWarning("Refresh token reuse for user {UserId}: revoked {Count} tokens of family {FamilyId}", token.UserId, revoked, token.FamilyId);
            return null;
        }
        token.UsedAt = now;
        var user = await db.Users.SingleAsync(u => u.Id == token.UserId, ct);
        var pair = await IssueAsync(user, token.FamilyId, ct);
        await transaction.CommitAsync(ct);
        return pair;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
