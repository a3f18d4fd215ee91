using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class AuthTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task Signup_returns_the_profile_with_role_user()
    {
        var http = Stack.CreateApiClient();
        var name = $"s{Guid.NewGuid():N}"[..16];
        using var response = await http.PostAsJsonAsync("/auth/signup", new { email = $"{name}@example.test", password = Accounts.Password, username = name, full_name = "Sam Striker" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(name, body.GetProperty("username").GetString());
        Assert.Equal("Sam Striker", body.GetProperty("full_name").GetString());
        Assert.Equal("user", body.GetProperty("role").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out _));
    }

    [Fact]
    public async Task Signup_rejects_duplicates_with_409_and_bad_fields_with_400_per_field()
    {
        var http = Stack.CreateApiClient();
        var name = $"d{Guid.NewGuid():N}"[..16];
        var email = $"{name}@example.test";
        (await http.PostAsJsonAsync("/auth/signup", new { email, password = Accounts.Password, username = name })).EnsureSuccessStatusCode();

        using var sameEmail = await http.PostAsJsonAsync("/auth/signup", new { email, password = Accounts.Password, username = name + "x" });
        using var sameName = await http.PostAsJsonAsync("/auth/signup", new { email = "x" + email, password = Accounts.Password, username = name });
        using var weak = await http.PostAsJsonAsync("/auth/signup", new { email = "w" + email, password = "short", username = "w" + name });
        using var badEmail = await http.PostAsJsonAsync("/auth/signup", new { email = "not-an-email", password = Accounts.Password, username = "e" + name });

        Assert.Equal(HttpStatusCode.Conflict, sameEmail.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, sameName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("password", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);
        var problem = await badEmail.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("error").GetString());
        Assert.Equal("application/problem+json", badEmail.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Wrong_password_is_401_without_saying_which_part_was_wrong_and_guessing_backs_off()
    {
        var user = await Accounts.NewAsync(Stack);
        var (_, me) = await user.GetAsync("/profiles/me");
        var email = me!["email"]!.GetValue<string>();
        var http = Stack.CreateApiClient();

        using var unknown = await http.PostAsJsonAsync("/auth/token", new { email = "nobody@example.test", password = "whatever-123" });
        using var wrong = await http.PostAsJsonAsync("/auth/token", new { email, password = "wrong-password-1" });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(),
            (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        for (var i = 0; i < 5; i++)
        {
            using var _ = await http.PostAsJsonAsync("/auth/token", new { email, password = "wrong-password-1" });
        }
        // Past the free failures the account backs off: told when to retry, not locked and not told it exists.
        using var throttled = await http.PostAsJsonAsync("/auth/token", new { email, password = Accounts.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After names the wait");
        // Another account signs in as usual from the same address: no one else is locked out.
        var other = await Accounts.NewAsync(Stack);
        var (status, _) = await other.GetAsync("/profiles/me");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family()
    {
        var user = await Accounts.NewAsync(Stack);
        var (_, me) = await user.GetAsync("/profiles/me");
        var http = Stack.CreateApiClient();
        var first = await Accounts.TokenAsync(http, me!["email"]!.GetValue<string>(), Accounts.Password);
        var refresh1 = first.GetProperty("refresh_token").GetString();

        using var rotated = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh1 });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = await rotated.Content.ReadFromJsonAsync<JsonElement>();
        var refresh2 = second.GetProperty("refresh_token").GetString();
        Assert.NotEqual(refresh1, refresh2);
        Assert.Equal("bearer", second.GetProperty("token_type").GetString());

        using var reuse = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh1 });
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        using var afterRevoke = await http.PostAsJsonAsync("/auth/refresh", new { refresh_token = refresh2 });
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
    }

    public static TheoryData<string> BadTokens => ["expired", "tampered", "wrong-issuer", "wrong-audience", "alg-none", "garbage"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Bad_tokens_get_401_with_a_problem_body(string kind)
    {
        var user = await Accounts.NewAsync(Stack);
        var key = Convert.FromBase64String((await File.ReadAllTextAsync(Path.Combine(Stack.DataPath, "jwt-signing-key.secret"))).Trim());
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        object Claims(string iss = "phyght", string aud = "phyght-api", long exp = 0) =>
            new { sub = user.Id.ToString(), iss, aud, iat = now - 60, nbf = now - 60, exp = exp == 0 ? now + 600 : exp };
        var token = kind switch
        {
            "expired" => Jwt.Sign(key, Claims(exp: now - 120)),
            "tampered" => Jwt.Sign(key, Claims())[..^3] + "AAA",
            "wrong-issuer" => Jwt.Sign(key, Claims(iss: "someone-else")),
            "wrong-audience" => Jwt.Sign(key, Claims(aud: "another-api")),
            "alg-none" => Jwt.Unsigned(Claims()),
            _ => "not.a.jwt",
        };
        // The same claims, correctly signed, are accepted: the test fails for the right reason.
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(Jwt.Sign(key, Claims())));

        var http = Stack.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profiles/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    private async Task<HttpStatusCode> MeStatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/profiles/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Stack.CreateApiClient().SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_user_whose_role_is_lowered_loses_write_access_on_the_next_request()
    {
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        await moderator.CreateVideoAsync(new { title = "Allowed" });

        var admin = await Accounts.AdminAsync(Stack);
        var (status, _) = await admin.PutAsync($"/profiles/{moderator.Id}/role", new { role = "user" });
        Assert.Equal(HttpStatusCode.OK, status);

        var (after, body) = await moderator.PostAsync("/videos", new { title = "Refused" });
        Assert.Equal(HttpStatusCode.Forbidden, after);
        Assert.Equal(403, body!["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Role_changes_are_admin_only_and_validated()
    {
        var moderator = await Accounts.NewAsync(Stack, "moderator");
        var user = await Accounts.NewAsync(Stack);
        var admin = await Accounts.AdminAsync(Stack);

        Assert.Equal(HttpStatusCode.Forbidden, (await moderator.PutAsync($"/profiles/{user.Id}/role", new { role = "admin" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync($"/profiles/{user.Id}/role", new { role = "emperor" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync($"/profiles/{Guid.NewGuid()}/role", new { role = "user" })).Status);
        var (_, me) = await user.GetAsync("/profiles/me");
        Assert.Equal("user", me!["role"]!.GetValue<string>());
    }
}

/// <summary>Hand-made HS256 JWTs, so token tests do not trust the code under test to build them.</summary>
internal static class Jwt
{
    public static string Sign(byte[] key, object claims)
    {
        var unsigned = Encode(new { alg = "HS256", typ = "JWT" }) + "." + Encode(claims);
        return unsigned + "." + Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(unsigned)));
    }

    public static string Unsigned(object claims) => Encode(new { alg = "none", typ = "JWT" }) + "." + Encode(claims) + ".";

    private static string Encode(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
