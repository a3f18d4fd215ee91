using Microsoft.Extensions.DependencyInjection;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

[Collection(StackCollection.Name)]
public sealed class DemoCatalogTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task The_seed_demo_command_uploads_three_clips_that_the_worker_makes_ready()
    {
        var commands = Stack.App.Services.GetRequiredService<ResourceCommandService>();

        var result = await commands.ExecuteCommandAsync("api", "seed-demo");

        Assert.True(result.Success, result.Message);
        var admin = await Accounts.AdminAsync(Stack);
        var ready = await Eventually.ReturnsAsync(async () =>
        {
            var (_, body) = await admin.GetAsync("/videos?search=demo&status=ready&limit=100");
            return body!["videos"]!.AsArray().Select(v => v!["title"]!.GetValue<string>()).ToList();
        }, titles => titles.Count >= 3, TimeSpan.FromSeconds(90), "three demo videos ready");
        Assert.Contains("Demo: title fight under the bars", ready);
        Assert.Contains("Demo: grappling clinic", ready);
        Assert.Contains("Demo: pad work in the fractal gym", ready);
    }
}
