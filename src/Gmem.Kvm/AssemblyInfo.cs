using System.Runtime.CompilerServices;

// Every struct crossing the boundary is blittable; the runtime does no marshalling (STYLE.md).
[assembly: DisableRuntimeMarshalling]
