using System.Net;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>api.md's "who" column: every endpoint × anonymous, user, moderator, admin, one row per cell.</summary>
[Collection(StackCollection.Name)]
public sealed class RoleMatrixTests(StackFixture fixture)
{
    public static TheoryData<string, string, int> Cells()
    {
        var data = new TheoryData<string, string, int>();
        void Row(string endpoint, int anonymous, int user, int moderator, int admin)
        {
            data.Add(endpoint, "anonymous", anonymous);
            data.Add(endpoint, "user", user);
            data.Add(endpoint, "moderator", moderator);
            data.Add(endpoint, "admin", admin);
        }
        Row("GET /videos", 200, 200, 200, 200);
        Row("POST /videos", 401, 403, 201, 201);
        Row("GET /videos-update/{uploading video}", 404, 404, 200, 200);
        Row("PUT /videos-update/{id}", 401, 403, 200, 200);
        Row("DELETE /videos-delete/{id}", 401, 403, 403, 200);
        Row("POST /videos-upload (no body)", 401, 403, 400, 400);
        Row("PUT /videos-upload (no upload yet)", 401, 403, 409, 409);
        Row("POST /sync (with ops)", 401, 403, 200, 200);
        Row("GET /sync (uploading video)", 404, 404, 200, 200);
        Row("POST /videos/{id}/views (uploading video)", 404, 404, 200, 200);
        Row("GET /profiles/me", 401, 200, 200, 200);
        Row("PUT /profiles/{id}/role", 401, 403, 403, 200);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_role_gets_the_status_api_md_says(string endpoint, string role, int expected)
    {
        var stack = fixture.Stack;
        var admin = await Accounts.AdminAsync(stack);
        var caller = role switch
        {
            "anonymous" => Accounts.Anonymous(stack),
            "admin" => admin,
            _ => await Accounts.NewAsync(stack, role),
        };
        var video = await admin.CreateVideoAsync(new { title = "Matrix" });
        var id = video["id"]!.GetValue<string>();
        var target = await Accounts.NewAsync(stack);

        var (status, body) = endpoint switch
        {
            "GET /videos" => await caller.GetAsync("/videos"),
            "POST /videos" => await caller.PostAsync("/videos", new { title = "By " + role }),
            "GET /videos-update/{uploading video}" => await caller.GetAsync($"/videos-update/{id}"),
            "PUT /videos-update/{id}" => await caller.PutAsync($"/videos-update/{id}", new { title = "Edited" }),
            "DELETE /videos-delete/{id}" => await caller.DeleteAsync($"/videos-delete/{id}"),
            "POST /videos-upload (no body)" => await caller.PostAsync("/videos-upload", new { }),
            "PUT /videos-upload (no upload yet)" => await caller.PutAsync("/videos-upload", new { videoId = id, duration = 10 }),
            "POST /sync (with ops)" => await caller.PostAsync("/sync", new
            {
                video_id = id,
                client_vector_clock = new { },
                operations = new[] { new { actor = "tab-" + role, seq = 1, lamport = 10, type = "add_tag", value = "mma" } },
            }),
            "GET /sync (uploading video)" => await caller.GetAsync($"/sync?video_id={id}"),
            "POST /videos/{id}/views (uploading video)" => await caller.PostAsync($"/videos/{id}/views", null),
            "GET /profiles/me" => await caller.GetAsync("/profiles/me"),
            "PUT /profiles/{id}/role" => await caller.PutAsync($"/profiles/{target.Id}/role", new { role = "moderator" }),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };

        Assert.True((int)status == expected, $"{role} {endpoint}: expected {expected}, got {(int)status} {body}");
        if ((int)status >= 400)
        {
            Assert.Equal((int)status, body!["status"]!.GetValue<int>());
            Assert.NotNull(body["error"]);
        }
    }
}
