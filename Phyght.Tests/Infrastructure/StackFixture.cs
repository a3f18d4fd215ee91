namespace Phyght.Tests.Infrastructure;

/// <summary>One stack shared by every test in the <see cref="StackCollection"/>; each test makes its own data.</summary>
public sealed class StackFixture : IAsyncLifetime
{
    private PhyghtStack? _stack;

    public PhyghtStack Stack => _stack ?? throw new InvalidOperationException("The stack has not started.");

    public async Task InitializeAsync() => _stack = await PhyghtStack.StartAsync();

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            try
            {
                Directory.Delete(_stack.DataPath, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
