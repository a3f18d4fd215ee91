global using Phyght.Core;
global using Phyght.Worker.Extensions;
