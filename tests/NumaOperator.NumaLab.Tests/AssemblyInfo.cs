// The lab tests look for leftover /tmp/numa-lab.* work dirs and QEMU processes; run them one at a time so
// one test's live guest is never mistaken for another's leftover.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
