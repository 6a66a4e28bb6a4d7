using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

/// <summary>The watch events of a reconciler's own writes do not queue the key again; every other change still does, once.</summary>
public sealed class OwnWritesTests
{
    private const string Key = "default/vm-1";

    [Fact]
    public void A_change_outside_any_writes_is_not_held()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        Assert.False(writes.Hold(Key, Vm("7"), WatchEventType.Modified));
    }

    [Fact]
    public void The_events_of_the_writes_themselves_are_dropped_when_the_writes_end()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        using (var scope = writes.Begin(Key))
        {
            // The status write's event comes before its response; the pod's after it.
            Assert.True(writes.Hold(Key, Vm("8"), WatchEventType.Modified));
            scope.Wrote(Vm("8"));
            scope.Wrote(Vm("9"));
            Assert.True(writes.Hold(Key, Vm("9"), WatchEventType.Modified));
            scope.Wrote(Pod("10"));
            Assert.True(writes.Hold(Key, Pod("10"), WatchEventType.Added));
        }

        Assert.Equal(0, queue.Depth);
        Assert.False(writes.Hold(Key, Vm("11"), WatchEventType.Modified)); // the writes ended: the caller queues as usual
    }

    [Fact]
    public void Someone_elses_change_during_the_writes_queues_the_key_once_when_they_end()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        using (var scope = writes.Begin(Key))
        {
            Assert.True(writes.Hold(Key, Vm("8"), WatchEventType.Modified)); // the agent's status write
            Assert.True(writes.Hold(Key, Vm("9"), WatchEventType.Modified));
            scope.Wrote(Vm("9"));
            Assert.Equal(0, queue.Depth);
        }

        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public void A_version_of_another_kind_is_not_taken_for_the_written_one()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        using (var scope = writes.Begin(Key))
        {
            scope.Wrote(Vm("12"));
            Assert.True(writes.Hold(Key, Pod("12"), WatchEventType.Modified));
        }

        Assert.Equal(1, queue.Depth);
    }

    [Fact]
    public void A_deletion_is_never_held_and_other_keys_are_not_touched()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        using var scope = writes.Begin(Key);
        Assert.False(writes.Hold(Key, Vm("13"), WatchEventType.Deleted));
        Assert.False(writes.Hold("default/vm-2", Vm("14"), WatchEventType.Modified));
    }

    [Fact]
    public void A_failed_write_still_ends_the_scope_and_releases_what_it_held()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        var writes = new OwnWrites(queue);
        Assert.Throws<InvalidOperationException>(WriteThatConflicts);

        Assert.Equal(1, queue.Depth);
        Assert.False(writes.Hold(Key, Vm("16"), WatchEventType.Modified));

        void WriteThatConflicts()
        {
            using var scope = writes.Begin(Key);
            writes.Hold(Key, Vm("15"), WatchEventType.Modified); // the change the write then conflicts with
            throw new InvalidOperationException("409 Conflict");
        }
    }

    private static NumaVirtualMachine Vm(string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = "vm-1", NamespaceProperty = "default", ResourceVersion = resourceVersion } };

    private static V1Pod Pod(string resourceVersion) =>
        new() { Metadata = new V1ObjectMeta { Name = "numavm-vm-1", NamespaceProperty = "default", ResourceVersion = resourceVersion } };
}
