using Microsoft.AspNetCore.Authorization;
using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

/// <summary>Authorization policies; each evaluates the role stored in <c>profiles</c>, never a role claim.</summary>
public static class Policies
{
    public const string SignedIn = "SignedIn";
    public const string CanWrite = "CanWrite";
    public const string CanDelete = "CanDelete";

    public static AuthorizationBuilder AddPhyghtPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(SignedIn, policy => policy.RequireAuthenticatedUser().AddRequirements(new StoredRoleRequirement(UserRole.User, UserRole.Moderator, UserRole.Admin)))
        .AddPolicy(CanWrite, policy => policy.RequireAuthenticatedUser().AddRequirements(new StoredRoleRequirement(UserRole.Admin, UserRole.Moderator)))
        .AddPolicy(CanDelete, policy => policy.RequireAuthenticatedUser().AddRequirements(new StoredRoleRequirement(UserRole.Admin)));
}

public sealed class StoredRoleRequirement(params UserRole[] roles) : IAuthorizationRequirement
{
    public IReadOnlyList<UserRole> Roles { get; } = roles;
}

/// <summary>Reads the caller's stored role (through the <see cref="RoleCache"/>, which a role change clears on every
/// instance), so a lowered role takes effect at once.</summary>
public sealed class StoredRoleHandler(Caller caller) : AuthorizationHandler<StoredRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, StoredRoleRequirement requirement)
    {
        var role = await caller.RoleAsync(CancellationToken.None);
        if (role is { } r && requirement.Roles.Contains(r))
        {
            context.Succeed(requirement);
        }
    }
}
