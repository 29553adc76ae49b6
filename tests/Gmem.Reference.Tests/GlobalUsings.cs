global using Gmem;
