using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Reliability.Tests;

/// <summary>What a fault run reads back: VMs, lists, host processes and the per-host page accounting, retried through injected faults.</summary>
public sealed partial class FaultHarness
{
    private async Task<NumaVirtualMachine?> ReadAsync(string name)
    {
        NumaVirtualMachine? found = null;
        await RetryAsync(async () => found = await vmsApi.ReadNamespacedAsync<NumaVirtualMachine>(Namespace, name));
        return found;
    }

    /// <summary>Retries injected (and real) 409s and 5xx; a 404 or an AlreadyExists ends it (the object is gone, or a create hidden by an error went through).</summary>
    public static async Task RetryAsync(Func<Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound
                || (e.Response.StatusCode == HttpStatusCode.Conflict && e.Response.Content.Contains("AlreadyExists", StringComparison.Ordinal)))
            {
                return;
            }
            catch (HttpOperationException e) when (attempt < 50 && (int)e.Response.StatusCode is 409 or >= 500)
            {
                await Task.Delay(Math.Min(20 * attempt, 200));
            }
        }
    }

    private async Task<List<T>> ListAsync<T, TList>(string plural)
        where TList : IItems<T>
    {
        List<T> items = [];
        await RetryAsync(async () =>
        {
            var listed = await admin.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, plural);
            items = [.. KubernetesJson.Deserialize<TList>(listed.ToString()!).Items];
        });
        return items;
    }

    /// <summary>Polls the VM list until <paramref name="problems"/> finds none or the time is up; returns the last list and problems.</summary>
    private Task<(List<NumaVirtualMachine> Vms, List<string> Problems)> WaitAsync(Func<List<NumaVirtualMachine>, Task<List<string>>> problems, TimeSpan timeout) =>
        Eventually.LastReadingAsync(
            async () =>
            {
                var vms = await ListAsync<NumaVirtualMachine, NumaVirtualMachineList>(NumaVirtualMachine.Plural);
                return (Vms: vms, Problems: await problems(vms));
            },
            reading => reading.Problems.Count == 0,
            timeout,
            TimeSpan.FromMilliseconds(250));

    /// <summary>Every process the hosts run: the simulated ones and the real node's QEMUs.</summary>
    private async Task<List<HostProcess>> ProcessesAsync()
    {
        var all = hosts.SelectMany(h => h.Processes().Select(p => new HostProcess(h.Name, p.Key, p.Uid, p.Pid, p.Placement))).ToList();
        if (Real is not null)
        {
            all.AddRange(await Real.ProcessesAsync());
        }

        return all;
    }

    /// <summary>Each simulated host's free pages equal its total minus the pages of the VMs it runs.</summary>
    private List<string> HostPages(List<NumaVirtualMachine> vms)
    {
        var problems = new List<string>();
        var byKey = vms.ToDictionary(v => v.Key, StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            for (var numa = 0; numa < host.NumaNodes; numa++)
            {
                var used = host.Processes()
                    .SelectMany(p => p.Placement.GuestNodes.Where(g => g.HostNode == numa))
                    .Sum(g => NumaOperator.Numa.Quantities.ByteQuantity.Parse(g.Memory) / (2L << 20));
                if (host.FreePages(numa) != host.PagesPerNuma - used)
                {
                    problems.Add($"{host.Name} NUMA node {numa}: {host.FreePages(numa)} pages free, {host.PagesPerNuma} - {used} expected");
                }
            }
        }

        return problems;
    }
}
