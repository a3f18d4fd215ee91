using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

public static partial class AuthEndpoints
{
    [GeneratedRegex("^[A-Za-z0-9_.-]{3,30}$")]
    private static partial Regex UsernamePattern();

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/auth").WithTags("Auth").RequireRateLimiting(RateLimits.Auth);
        auth.MapPost("/signup", SignupAsync).WithName("Signup");
        auth.MapPost("/token", TokenAsync).WithName("Token");
        auth.MapPost("/refresh", RefreshAsync).WithName("Refresh");
        return routes;
    }

    private static async Task<Results<Created<ProfileResponse>, ValidationProblem, ProblemHttpResult>> SignupAsync(
        SignupRequest request, UserManager<PhyghtUser> users, PhyghtDbContext db, TimeProvider time, ILogger<TokenService> logger, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email) || !MailAddress.TryCreate(request.Email, out var mail) || mail.Address != request.Email.Trim())
        {
            errors["email"] = ["A valid email address is required."];
        }
        if (request.Username is null || !UsernamePattern().IsMatch(request.Username))
        {
            errors["username"] = ["3–30 characters of letters, digits, '_', '.' or '-'."];
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors["password"] = ["A password is required."];
        }
        if (request.FullName is { Length: > 200 })
        {
            errors["full_name"] = ["At most 200 characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var email = request.Email!.Trim();
        if (await users.FindByEmailAsync(email) is not null)
        {
            return Problems.Conflict("An account with this email already exists.");
        }
        if (await db.Profiles.AnyAsync(p => p.Username == request.Username, ct))
        {
            return Problems.Conflict("This username is taken.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = new PhyghtUser { Id = Guid.NewGuid(), Email = email, UserName = request.Username };
        var created = await users.CreateAsync(user, request.Password!);
        if (!created.Succeeded)
        {
            if (created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName"))
            {
                return Problems.Conflict("An account with this email or username already exists.");
            }
            return Problems.Validation(created.Errors
                .GroupBy(e => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : e.Code.Contains("Email") ? "email" : "username")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        }
        var now = time.GetUtcNow();
        var profile = new Profile { Id = user.Id, Username = request.Username!, FullName = request.FullName, Role = UserRole.User, CreatedAt = now, UpdatedAt = now };
        db.Profiles.Add(profile);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return Problems.Conflict("An account with this email or username already exists.");
        }
        await transaction.CommitAsync(ct);
        logger.LogInformation("Signed up user {UserId} ({Username})", user.Id, profile.Username);
        return TypedResults.Created("/profiles/me", ProfileResponse.From(profile, email));
    }

    private static async Task<Results<Ok<TokenPair>, ValidationProblem, ProblemHttpResult>> TokenAsync(
        TokenRequest request, UserManager<PhyghtUser> users, TokenService tokens, ILogger<TokenService> logger, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["email"] = string.IsNullOrWhiteSpace(request.Email) ? ["Required."] : [],
                ["password"] = string.IsNullOrEmpty(request.Password) ? ["Required."] : [],
            }.Where(e => e.Value.Length > 0).ToDictionary());
        }
        var user = await users.FindByEmailAsync(request.Email.Trim());
        if (user is null)
        {
            return InvalidCredentials();
        }
        if (await users.IsLockedOutAsync(user))
        {
            logger.LogWarning("Sign-in refused for locked-out user {UserId}", user.Id);
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Too many failed sign-in attempts. Try again later.");
        }
        if (!await users.CheckPasswordAsync(user, request.Password))
        {
            await users.AccessFailedAsync(user);
            logger.LogInformation("Wrong password for user {UserId}", user.Id);
            return InvalidCredentials();
        }
        await users.ResetAccessFailedCountAsync(user);
        return TypedResults.Ok(await tokens.IssueAsync(user, familyId: null, ct));
    }

    private static async Task<Results<Ok<TokenPair>, ValidationProblem, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, TokenService tokens, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken))
        {
            return Problems.Validation("refresh_token", "Required.");
        }
        return await tokens.RefreshAsync(request.RefreshToken, ct) is { } pair
            ? TypedResults.Ok(pair)
            : Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "The refresh token is invalid, expired or already used.");
    }

    private static ProblemHttpResult InvalidCredentials() =>
        Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Invalid email or password.");
}
