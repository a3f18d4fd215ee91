using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Phyght.Tests.Infrastructure;

/// <summary>An HTTP client of the API signed in as someone (or no one), with JSON helpers.</summary>
public sealed class ApiUser(HttpClient http, string? accessToken, Guid? id, string role)
{
    public HttpClient Http { get; } = http;
    public string? AccessToken { get; } = accessToken;
    public Guid? Id { get; } = id;
    public string Role { get; } = role;

    /// <summary>The same caller, talking to another API instance.</summary>
    public ApiUser On(HttpClient other) => new(other, AccessToken, Id, Role);

    public HttpRequestMessage Request(HttpMethod method, string path, object? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (AccessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        }
        if (json is not null)
        {
            request.Content = json is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(json);
        }
        return request;
    }

    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, object? json = null)
    {
        using var response = await Http.SendAsync(Request(method, path, json));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary><c>POST /videos-upload</c> of one video file, optionally continuing the caller's trace.</summary>
    public async Task<HttpStatusCode> UploadAsync(string videoId, string file, string fileName = "clip.mp4", string? traceParent = null)
    {
        using var request = Request(HttpMethod.Post, "/videos-upload");
        if (traceParent is not null)
        {
            request.Headers.Add("traceparent", traceParent);
        }
        request.Content = new MultipartFormDataContent
        {
            { new StringContent(videoId), "videoId" },
            { new StreamContent(File.OpenRead(file)), "video", fileName },
        };
        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }

    public Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, object? json) => SendAsync(HttpMethod.Post, path, json);
    public Task<(HttpStatusCode Status, JsonNode? Body)> PutAsync(string path, object? json) => SendAsync(HttpMethod.Put, path, json);
    public Task<(HttpStatusCode Status, JsonNode? Body)> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates a video and returns its JSON (asserting 201).</summary>
    public async Task<JsonNode> CreateVideoAsync(object body)
    {
        var (status, video) = await PostAsync("/videos", body);
        Assert.True(status == HttpStatusCode.Created, $"create video: {status} {video}");
        return video!;
    }
}

/// <summary>Accounts for tests: the bootstrap admin, and fresh users of any role.</summary>
public static class Accounts
{
    public const string Password = "correct-horse-42";
    public const string AdminEmail = "admin@phyght.local";

    public static async Task<ApiUser> AdminAsync(PhyghtStack stack)
    {
        var http = stack.CreateApiClient();
        var password = await File.ReadAllTextAsync(Path.Combine(stack.DataPath, "admin-password.secret"));
        var token = await TokenAsync(http, AdminEmail, password.Trim());
        return new ApiUser(http, token.GetProperty("access_token").GetString(), null, "admin");
    }

    public static ApiUser Anonymous(PhyghtStack stack) => new(stack.CreateApiClient(), null, null, "anonymous");

    /// <summary>Signs up a new account and, unless <paramref name="role"/> is user, has the admin grant the role.</summary>
    public static async Task<ApiUser> NewAsync(PhyghtStack stack, string role = "user")
    {
        var http = stack.CreateApiClient();
        var name = $"u{Guid.NewGuid():N}"[..20];
        var email = $"{name}@example.test";
        using (var signup = await http.PostAsJsonAsync("/auth/signup", new { email, password = Password, username = name, full_name = "Test User" }))
        {
            Assert.True(signup.StatusCode == HttpStatusCode.Created, $"signup: {signup.StatusCode} {await signup.Content.ReadAsStringAsync()}");
        }
        var token = await TokenAsync(http, email, Password);
        var access = token.GetProperty("access_token").GetString();
        var me = new ApiUser(http, access, null, "user");
        var (_, profile) = await me.GetAsync("/profiles/me");
        var id = Guid.Parse(profile!["id"]!.GetValue<string>());
        if (role != "user")
        {
            var admin = await AdminAsync(stack);
            var (status, body) = await admin.PutAsync($"/profiles/{id}/role", new { role });
            Assert.True(status == HttpStatusCode.OK, $"set role: {status} {body}");
        }
        return new ApiUser(http, access, id, role);
    }

    public static async Task<JsonElement> TokenAsync(HttpClient http, string email, string password)
    {
        using var response = await http.PostAsJsonAsync("/auth/token", new { email, password });
        Assert.True(response.IsSuccessStatusCode, $"token: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
