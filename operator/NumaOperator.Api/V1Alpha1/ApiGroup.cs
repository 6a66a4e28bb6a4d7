namespace NumaOperator.Api.V1Alpha1;

/// <summary>The API group and version every NumaOperator resource lives in.</summary>
public static class ApiGroup
{
    public const string Group = "numaoperator.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>Label the controller puts on a placed VM so each node's agent can watch only its own.</summary>
    public const string NodeLabel = Group + "/node";

    /// <summary>Finalizer that holds a VM until its QEMU is gone and its placement released.</summary>
    public const string Finalizer = Group + "/vm-protection";
}
