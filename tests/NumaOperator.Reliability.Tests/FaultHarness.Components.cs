using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Reliability.Tests;

/// <summary>The simulated nodes and the component instances (controller, agents) a fault run starts, kills and starts again.</summary>
public sealed partial class FaultHarness
{
    private async Task AddSimulatedNodeAsync(string name)
    {
        await admin.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, [SimulatedLabel] = "true" } },
        });
        var topologies = new GenericClient(admin, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = name } });
        var host = new SimulatedHost(name, PagesPerNuma, NumaPerNode, CpusPerNuma, hostViolations);
        var status = host.TopologyStatus();
        status.HeartbeatTime = DateTime.UtcNow;
        await admin.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, name);
        hosts.Add(host);
    }

    private void StartController()
    {
        var client = NewClient();
        var host = new ControllerHost(client, new ControllerHostOptions
        {
            Informers = new InformerOptions { WatchTimeoutSeconds = 20, ErrorBackoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)) },
        }, loggers);
        controller = Running.Start(client, host.RunAsync);
    }

    private void StartAgent(SimulatedHost host)
    {
        var client = NewClient();
        var agent = new SimulatedNodeAgent(client, host, loggers.CreateLogger("sim-agent." + host.Name), options.Flaw);
        agents[host.Name] = Running.Start(client, agent.RunAsync);
    }

    /// <summary>Cancels a component (a crash at whatever point it is) and waits until it is gone.</summary>
    private async Task StopAsync(Running? running)
    {
        if (running is null || running.Stopped)
        {
            return;
        }

        running.Stopped = true;
        await running.Stop.CancelAsync();
        try
        {
            await running.Run.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            hostViolations.Enqueue("a component did not stop within 15 s of its cancellation");
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            // A crash is what we asked for; its exception does not matter.
        }

        running.Client.Dispose();
        running.Stop.Dispose();
    }
}
