using System.Net;
using System.Text;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>Tokens of an external issuer (the test stack trusts one by shared secret, as Supabase Auth is trusted).</summary>
[Collection(StackCollection.Name)]
public sealed class ExternalIssuerTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task An_external_user_gets_a_user_profile_on_first_call_and_the_stored_role_decides_after()
    {
        var subject = Guid.NewGuid().ToString();
        var name = $"x{Guid.NewGuid():N}"[..12];
        var external = Caller(Token(new { sub = subject, email = $"{name}@mail.example", role = "authenticated" }));

        var (first, me) = await external.GetAsync("/profiles/me");
        var (second, again) = await external.GetAsync("/profiles/me");

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal("user", me!["role"]!.GetValue<string>());
        Assert.Equal(name, me["username"]!.GetValue<string>());
        Assert.Equal($"{name}@mail.example", me["email"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(me["id"]!.GetValue<string>(), again!["id"]!.GetValue<string>());
        Assert.NotEqual(subject, me["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await external.PostAsync("/videos", new { title = "Not yet" })).Status);

        var admin = await Accounts.AdminAsync(Stack);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/profiles/{me["id"]}/role", new { role = "moderator" })).Status);
        var (created, body) = await external.PostAsync("/videos", new { title = "From an external moderator" });
        Assert.True(created == HttpStatusCode.Created, $"{created} {body}\n" + string.Join("\n", Stack.Logs.Lines
            .Where(l => l.Message.Contains("xception", StringComparison.Ordinal) || l.Level >= Microsoft.Extensions.Logging.LogLevel.Error)
            .TakeLast(12).Select(l => $"{l.Category}: {l.Message}")));
    }

    [Fact]
    public async Task An_external_token_cannot_name_a_local_account_or_be_signed_with_another_key()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var impersonator = Caller(Token(new { sub = admin.Id.ToString(), email = "someone@mail.example" }));

        var (status, me) = await impersonator.GetAsync("/profiles/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual(admin.Id.ToString(), me!["id"]!.GetValue<string>());
        Assert.Equal("user", me["role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Forbidden, (await impersonator.PostAsync("/videos", new { title = "Forged" })).Status);

        var forged = Caller(Token(new { sub = Guid.NewGuid().ToString() }, key: Encoding.UTF8.GetBytes(new string('k', 64))));
        var (unauthorized, problem) = await forged.GetAsync("/profiles/me");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
        Assert.Equal(401, problem!["status"]!.GetValue<int>());
    }

    private ApiUser Caller(string token) => new(Stack.CreateApiClient(), token, null, "external");

    private string Token(object claims, byte[]? key = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var standard = new Dictionary<string, object>
        {
            ["iss"] = PhyghtStack.ExternalIssuer,
            ["aud"] = PhyghtStack.ExternalAudience,
            ["iat"] = now - 10,
            ["exp"] = now + 600,
        };
        foreach (var property in claims.GetType().GetProperties())
        {
            standard[property.Name] = property.GetValue(claims)!;
        }
        return Jwt.Sign(key ?? Encoding.UTF8.GetBytes(Stack.ExternalIssuerKey), standard);
    }
}
