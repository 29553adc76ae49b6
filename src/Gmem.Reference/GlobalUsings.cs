global using System.Diagnostics;
global using System.Numerics;
