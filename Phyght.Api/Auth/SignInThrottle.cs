using System.Collections.Concurrent;

namespace Phyght.Api.Auth;

/// <summary><c>Auth:SignIn</c>: failed sign-ins allowed per account and per client address before each further attempt
/// must wait, doubling from one second up to <see cref="MaxBackoffSeconds"/>.</summary>
public sealed class SignInThrottleOptions
{
    public const string Section = "Auth:SignIn";

    public int FreeFailuresPerAccount { get; set; } = 5;
    public int FreeFailuresPerAddress { get; set; } = 50;
    public int MaxBackoffSeconds { get; set; } = 900;
}

/// <summary>
/// Throttles password guessing per account and per client address with exponential backoff, instead of locking an
/// account (which let anyone lock out the admin) or a whole address (which, behind one proxy, is everyone). Failures
/// are forgotten after an hour without one. Per instance: with N instances a guesser gets N times the attempts.
/// </summary>
public sealed class SignInThrottle(Microsoft.Extensions.Options.IOptions<SignInThrottleOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Forget = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Last)> _failures = new();

    /// <summary>How long the caller must wait before trying this account from this address; zero when it may try now.</summary>
    public TimeSpan WaitFor(string email, string address)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        var account = Wait(AccountKey(email), o.FreeFailuresPerAccount, now);
        var client = Wait(AddressKey(address), o.FreeFailuresPerAddress, now);
        return account > client ? account : client;
    }

    public void Failed(string email, string address)
    {
        var now = time.GetUtcNow();
        foreach (var key in new[] { AccountKey(email), AddressKey(address) })
        {
            _failures.AddOrUpdate(key, _ => (1, now), (_, f) => (now - f.Last > Forget ? 1 : f.Failures + 1, now));
        }
        if (_failures.Count > 100_000)
        {
            foreach (var (key, f) in _failures)
            {
                if (now - f.Last > Forget) _failures.TryRemove(key, out _);
            }
        }
    }

    public void Succeeded(string email) => _failures.TryRemove(AccountKey(email), out _);

    private TimeSpan Wait(string key, int free, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var f) || f.Failures < free || now - f.Last > Forget)
        {
            return TimeSpan.Zero;
        }
        var backoff = TimeSpan.FromSeconds(Math.Min(options.Value.MaxBackoffSeconds, Math.Pow(2, Math.Min(30, f.Failures - free))));
        var wait = f.Last + backoff - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private static string AccountKey(string email) => "account:" + email.Trim().ToUpperInvariant();

    private static string AddressKey(string address) => "address:" + address;
}
