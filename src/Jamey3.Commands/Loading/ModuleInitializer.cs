using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Jamey3.Commands.Loading;

/// <summary>
/// On import, routes the default context's requests for the engine to the module's own load
/// context (the rjmholt/PowerShell "resolving dependency conflicts" pattern): only the engine
/// assembly is handed over, everything it needs then resolves inside that context.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    static readonly string DependenciesDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "dependencies");

    static readonly Lazy<DependencyLoadContext> Context = new(() => new DependencyLoadContext(DependenciesDirectory));

    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "Jamey3.Engine" ? Context.Value.LoadFromAssemblyName(name) : null;
}
