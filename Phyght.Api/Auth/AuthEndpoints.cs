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
        var auth = routes.MapGroup("/auth").WithTags("Auth");
        auth.MapPost("/signup", SignupAsync).WithName("signUp").RequireRateLimiting(RateLimits.Auth)
            .WithSummary("Sign up")
            .WithDescription("Creates an account with role user and answers its profile; 409 when the email or username is taken.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        // Sign-in is throttled per account and per address (SignInThrottle), not by a window shared by everyone behind a proxy.
        auth.MapPost("/token", TokenAsync).WithName("signIn")
            .WithSummary("Sign in")
            .WithDescription("An access token and a refresh token for an email and password. A wrong password and an unknown email "
                + "answer the same 401; repeated failures for an account or from an address answer 429 with Retry-After.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        auth.MapPost("/refresh", RefreshAsync).WithName("refreshToken").RequireRateLimiting(RateLimits.Auth)
            .WithSummary("Refresh a token")
            .WithDescription("A new token pair for a refresh token, which stops working (a reused one is refused with 401).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    private static async Task<Results<Created<ProfileResponse>, ValidationProblem, ProblemHttpResult>> SignupAsync(
        SignupRequest request, UserManager<PhyghtUser> users, AccountsDbContext db, TimeProvider time, ILogger<TokenService> logger, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > MaxEmail || TextRules.HasControlCharacters(request.Email)
            || !MailAddress.TryCreate(request.Email, out var mail) || mail.Address != request.Email.Trim())
        {
            errors["email"] = [$"A valid email address of at most {MaxEmail} characters is required."];
        }
        if (request.Username is null || !UsernamePattern().IsMatch(request.Username))
        {
            errors["username"] = ["3–30 characters of letters, digits, '_', '.' or '-'."];
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > MaxPassword)
        {
            errors["password"] = [$"A password of at most {MaxPassword} characters is required."];
        }
        if (request.FullName is { Length: > 200 } || TextRules.HasControlCharacters(request.FullName))
        {
            errors["full_name"] = ["At most 200 characters, without control characters."];
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
        TokenRequest request, HttpContext http, UserManager<PhyghtUser> users, IPasswordHasher<PhyghtUser> hasher, SignInThrottle throttle,
        TokenService tokens, ILogger<TokenService> logger, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > MaxEmail || TextRules.HasControlCharacters(request.Email))
        {
            errors["email"] = [$"Required, at most {MaxEmail} characters."];
        }
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > MaxPassword)
        {
            errors["password"] = [$"Required, at most {MaxPassword} characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var email = request.Email!.Trim();
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (throttle.WaitFor(email, address) is { TotalSeconds: > 0 } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"Too many failed sign-ins for this account or from this address; retry after {seconds} s.");
        }
        // An unknown email costs one password hash too, and answers as a wrong password does: neither the content
        // nor the time of the answer tells whether the account exists.
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            hasher.VerifyHashedPassword(UnknownUser, UnknownUserHash, request.Password!);
        }
        if (user is null || !await users.CheckPasswordAsync(user, request.Password!))
        {
            throttle.Failed(email, address);
            logger.LogInformation("Failed sign-in for {Account} from {Address}", user?.Id.ToString() ?? "an unknown email", address);
            return InvalidCredentials();
        }
        throttle.Succeeded(email);
        return TypedResults.Ok(await tokens.IssueAsync(user!, familyId: null, ct));
    }

    public const int MaxEmail = 256;
    private const int MaxPassword = 1_024;
    private static readonly PhyghtUser UnknownUser = new() { Id = Guid.Empty, UserName = "unknown" };
    private static readonly string UnknownUserHash = new PasswordHasher<PhyghtUser>().HashPassword(UnknownUser, Guid.NewGuid().ToString());

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
