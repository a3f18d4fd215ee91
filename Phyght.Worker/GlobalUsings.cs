global using Microsoft.EntityFrameworkCore;
global using Phyght.Core;
global using Phyght.Core.Data;
global using Phyght.Core.Videos;
