global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.EntityFrameworkCore;
global using Phyght.Api.Infrastructure;
global using Phyght.Core;
global using Phyght.Core.Data;
global using Phyght.Core.Videos;
