using Microsoft.EntityFrameworkCore;

namespace Phyght.Core.Data;

public sealed class PhyghtDbContext(DbContextOptions<PhyghtDbContext> options) : DbContext(options)
{
}
