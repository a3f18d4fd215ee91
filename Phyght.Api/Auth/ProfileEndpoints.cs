using Phyght.Api.Realtime;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

public static class ProfileEndpoints
{
    public static IEndpointRouteBuilder MapProfileEndpoints(this IEndpointRouteBuilder routes)
    {
        var profiles = routes.MapGroup("/profiles").WithTags("Profiles");
        profiles.MapGet("/me", MeAsync).WithName("getMyProfile").RequireAuthorization(Policies.SignedIn)
            .WithSummary("Get my profile")
            .ProducesProblem(StatusCodes.Status404NotFound);
        profiles.MapPut("/{id:guid}/role", SetRoleAsync).WithName("setRole").RequireAuthorization(Policies.CanDelete)
            .WithSummary("Set a user's role")
            .WithDescription("Admins. Takes effect at once, on every instance; 409 when it would demote the last admin.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> MeAsync(Caller caller, PhyghtDbContext db, AccountsDbContext accounts, CancellationToken ct)
    {
        var id = caller.UserId!.Value;
        var profile = await db.Profiles.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct);
        var email = await accounts.Users.Where(u => u.Id == id).Select(u => u.Email).SingleOrDefaultAsync(ct);
        return profile is null ? Problems.NotFound("Your profile") : TypedResults.Ok(ProfileResponse.From(profile, email));
    }

    private static async Task<Results<Ok<ProfileResponse>, ValidationProblem, ProblemHttpResult>> SetRoleAsync(
        Guid id, RoleRequest request, PhyghtDbContext db, AccountsDbContext accounts, Caller caller, RoleChanges roleChanges, TimeProvider time, ILogger<Caller> logger, CancellationToken ct)
    {
        if (!EnumNames.TryParse<UserRole>(request.Role, out var role))
        {
            return Problems.Validation("role", "Must be one of admin, moderator, user.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var profile = await db.LockProfileAsync(id, ct);
        if (profile is null)
        {
            return Problems.NotFound("The profile");
        }
        if (profile.Role == UserRole.Admin && role != UserRole.Admin
            && await db.Profiles.CountAsync(p => p.Role == UserRole.Admin, ct) == 1)
        {
            return Problems.Conflict("This is the last admin; make another admin first.");
        }
        var previous = profile.Role;
        profile.Role = role;
        profile.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        logger.LogInformation("User {AdminId} changed the role of {UserId} from {OldRole} to {NewRole}", caller.UserId, id, previous, role);
        await roleChanges.AnnounceAsync(id);
        var email = await accounts.Users.Where(u => u.Id == id).Select(u => u.Email).SingleOrDefaultAsync(ct);
        return TypedResults.Ok(ProfileResponse.From(profile, email));
    }
}
