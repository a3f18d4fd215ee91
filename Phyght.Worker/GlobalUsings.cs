global using Microsoft.EntityFrameworkCore;
global using Phyght.Core;
global using Phyght.Core.Data;
