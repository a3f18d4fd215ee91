using Phyght.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Phyght.Tests.EndToEnd;

/// <summary>
/// The frontend's side, against the stack: the SDK's Vitest suite (clients/js: typed errors, token refresh, offline
/// replicas converging with the server, property tests of random histories, live updates, uploads) and the web page's
/// (clients/web: Playwright driving Debian's Chromium through the AppHost's <c>web</c> resource). Each suite writes a
/// JUnit report to TestResults, which <c>.ci/run</c> counts test by test; this test fails when any of them fails.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ClientTests(StackFixture fixture, ITestOutputHelper output)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public Task The_SDK_suite_passes_against_the_stack() => RunSuiteAsync("clients/js", "sdk");

    [Fact]
    public async Task The_web_page_suite_passes_in_Chromium()
    {
        await Stack.App.ResourceNotifications.WaitForResourceHealthyAsync("web").WaitAsync(TimeSpan.FromMinutes(1));
        var screenshots = Directory.CreateDirectory(Path.Combine(Repository.Root(), "TestResults", "web")).FullName;
        await RunSuiteAsync("clients/web", "web", new()
        {
            ["PHYGHT_WEB_URL"] = Stack.App.GetEndpoint("web", "http").ToString().TrimEnd('/'),
            ["PHYGHT_SCREENSHOTS"] = screenshots,
        });
    }

    private async Task RunSuiteAsync(string workspace, string name, Dictionary<string, string>? extra = null)
    {
        var root = Repository.Root();
        var environment = new Dictionary<string, string>(extra ?? [])
        {
            ["PHYGHT_API_URL"] = Stack.App.GetEndpoint("api", "http").ToString().TrimEnd('/'),
            ["PHYGHT_ADMIN_EMAIL"] = Accounts.AdminEmail,
            ["PHYGHT_ADMIN_PASSWORD"] = (await File.ReadAllTextAsync(Path.Combine(Stack.DataPath, "admin-password.secret"))).Trim(),
            ["PHYGHT_TEST_RESULTS"] = Path.Combine(root, "TestResults", $"{name}.junit.xml"),
            ["NO_COLOR"] = "1",
        };
        var vitest = Path.Combine(root, "node_modules", "vitest", "vitest.mjs");
        var result = await NodeProcess.RunAsync(Path.Combine(root, workspace), [vitest, "run"], environment, TimeSpan.FromMinutes(10));
        output.WriteLine(result.Output);
        output.WriteLine(result.Error);
        Assert.True(result.ExitCode == 0, $"{workspace}'s tests failed (exit {result.ExitCode}):\n{result.Output}\n{result.Error}");
        Assert.Contains(" passed", result.Output);
        Assert.DoesNotContain("skipped", result.Output);
    }
}
