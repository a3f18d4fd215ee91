using Phyght.Core.Accounts;

namespace Phyght.Api.Auth;

public sealed record SignupRequest(string? Email, string? Password, string? Username, string? FullName);

public sealed record TokenRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record RoleRequest(string? Role);

public sealed record ProfileResponse(
    Guid Id,
    string Username,
    string? FullName,
    string? AvatarUrl,
    string Role,
    string? Email,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ProfileResponse From(Profile profile, string? email) =>
        new(profile.Id, profile.Username, profile.FullName, profile.AvatarUrl, profile.Role.ToLowerName(), email, profile.CreatedAt, profile.UpdatedAt);
}
