using Microsoft.Extensions.Time.Testing;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

public sealed class WorkQueueTests
{
    private static async Task<string?> TryTakeAsync(WorkQueue queue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        try
        {
            return await queue.TakeAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task A_key_added_twice_is_queued_once()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        queue.Add("default/a");
        queue.Add("default/a");
        queue.Add("default/b");
        Assert.Equal(2, queue.Depth);
        Assert.Equal("default/a", await TryTakeAsync(queue));
        Assert.Equal("default/b", await TryTakeAsync(queue));
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task A_key_added_while_processing_runs_once_more_after_done_and_never_twice_at_once()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        queue.Add("k");
        var key = await TryTakeAsync(queue);
        queue.Add("k");
        queue.Add("k");
        Assert.Null(await TryTakeAsync(queue)); // still being processed: not handed to a second worker
        queue.Done(key!);
        Assert.Equal("k", await TryTakeAsync(queue));
        queue.Done("k");
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task Failures_back_off_exponentially_up_to_the_cap_and_forget_resets()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(time, new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)));
        var expected = new[] { 1, 2, 4, 4 };
        foreach (var seconds in expected)
        {
            queue.AddRateLimited("k");
            time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            Assert.Null(await TryTakeAsync(queue));
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal("k", await TryTakeAsync(queue));
            queue.Done("k");
        }

        Assert.Equal(4, queue.Failures("k"));
        queue.Forget("k");
        queue.AddRateLimited("k");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("k", await TryTakeAsync(queue));
    }

    [Fact]
    public async Task Add_after_keeps_the_earliest_due_time()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(time);
        queue.AddAfter("k", TimeSpan.FromSeconds(10));
        queue.AddAfter("k", TimeSpan.FromSeconds(3));
        queue.AddAfter("k", TimeSpan.FromSeconds(20));
        Assert.Equal(1, queue.DelayedCount);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("k", await TryTakeAsync(queue));
        queue.Done("k");
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task Low_priority_keys_wait_for_every_normal_key()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        queue.Add("low-1", WorkPriority.Low);
        queue.Add("a");
        queue.Add("low-2", WorkPriority.Low);
        queue.Add("b");
        Assert.Equal((4, 2), (queue.Depth, queue.NormalDepth));
        var taken = new List<string?> { await TryTakeAsync(queue), await TryTakeAsync(queue), await TryTakeAsync(queue), await TryTakeAsync(queue) };
        Assert.Equal(new List<string?> { "a", "b", "low-1", "low-2" }, taken);
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task A_normal_add_raises_a_key_waiting_at_low_priority_and_it_still_runs_once()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        queue.Add("k", WorkPriority.Low);
        queue.Add("a");
        queue.Add("k");
        queue.Add("k", WorkPriority.Low); // a low add never lowers a key wanted at normal priority
        Assert.Equal((2, 2), (queue.Depth, queue.NormalDepth));
        Assert.Equal("a", await TryTakeAsync(queue));
        Assert.Equal("k", await TryTakeAsync(queue));
        Assert.Null(await TryTakeAsync(queue)); // its low entry is stale and skipped
    }

    [Fact]
    public async Task A_key_queued_at_low_priority_while_processing_waits_behind_normal_keys_and_never_runs_twice_at_once()
    {
        using var queue = new WorkQueue(new FakeTimeProvider());
        queue.Add("k", WorkPriority.Low);
        queue.Add("k"); // raised: a stale low entry stays behind
        Assert.Equal("k", await TryTakeAsync(queue));
        queue.Add("k", WorkPriority.Low); // the reconcile of k asks for a later, low-priority look
        queue.Add("a");
        Assert.Equal("a", await TryTakeAsync(queue));
        Assert.Null(await TryTakeAsync(queue)); // the stale entry does not hand k to a second worker
        queue.Done("k");
        Assert.Equal("k", await TryTakeAsync(queue));
        queue.Done("k");
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task A_low_priority_key_that_waited_the_longest_wait_goes_before_normal_keys()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(time, lowPriorityMaxWait: TimeSpan.FromSeconds(5));
        queue.Add("low", WorkPriority.Low);
        queue.Add("a");
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal("a", await TryTakeAsync(queue));
        queue.Add("b");
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("low", await TryTakeAsync(queue));
        Assert.Equal("b", await TryTakeAsync(queue));
    }

    [Fact]
    public async Task An_entry_a_raised_key_left_behind_never_makes_a_later_low_add_due_early()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue(time, lowPriorityMaxWait: TimeSpan.FromSeconds(5));
        queue.Add("k", WorkPriority.Low); // entry at t=0
        queue.Add("k");
        Assert.Equal("k", await TryTakeAsync(queue));
        queue.Add("k", WorkPriority.Low);
        time.Advance(TimeSpan.FromSeconds(4));
        queue.Done("k"); // a new entry at t=4
        queue.Add("b");
        time.Advance(TimeSpan.FromSeconds(1.5)); // the t=0 entry would be due, the live one is not
        Assert.Equal("b", await TryTakeAsync(queue));
        Assert.Equal("k", await TryTakeAsync(queue));
        Assert.Null(await TryTakeAsync(queue));
    }

    [Fact]
    public async Task Keys_added_and_finished_while_the_queue_is_disposed_are_dropped_without_an_error()
    {
        // Shutdown races the informers' adds and the workers' Done: neither may release the disposed semaphore.
        for (var round = 0; round < 300; round++)
        {
            var queue = new WorkQueue(new FakeTimeProvider());
            var disposed = 0;
            using var go = new Barrier(5); // more threads than cores, so one is now and then preempted mid-add
            Task Hammer(bool finish) => Task.Run(() =>
            {
                go.SignalAndWait();
                for (var i = 0; Volatile.Read(ref disposed) == 0 || i % 256 != 0; i++)
                {
                    var key = (finish ? "d" : "a") + (i % 64);
                    queue.Add(key);
                    if (finish)
                    {
                        queue.Done(key);
                    }
                }
            });
            var hammering = Task.WhenAll(Hammer(finish: false), Hammer(finish: false), Hammer(finish: true), Hammer(finish: true));
            go.SignalAndWait();
            Thread.SpinWait(1_000 + (round * 37 % 5_000));
            queue.Dispose();
            Volatile.Write(ref disposed, 1);
            await hammering;
        }
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(3, 400)]
    [InlineData(40, 30_000)]
    public void Backoff_doubles_from_the_base_and_stops_at_the_cap(int failures, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ExponentialBackoff.Default.Delay(failures));
}
