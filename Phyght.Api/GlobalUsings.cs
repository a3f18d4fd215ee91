global using Phyght.Core;
global using Phyght.Api.Extensions;
