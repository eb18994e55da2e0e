package main

import (
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// BenchmarkIdleMemory reports the resident memory of a started Village
// process (the binary, serving, its delivery queue running) after it has
// sat idle for a few seconds, and again after serving some pages and
// documents: the design's budget is well under 100 MB. Its database runs
// in processes of its own and is not counted.
func BenchmarkIdleMemory(b *testing.B) {
	v := testenv.StartVillage(b, testenv.VillageOptions{Addr: "127.0.0.90:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	c := v.User("alice")
	time.Sleep(3 * time.Second)
	idle, err := v.RSSBytes()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		for _, path := range []string{"/", "/groups/moms", "/users/alice", "/api/v1/timelines/public", "/.well-known/nodeinfo"} {
			c.Do("GET", path, nil, nil)
		}
	}
	b.StopTimer()
	time.Sleep(time.Second)
	used, err := v.RSSBytes()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(idle)/(1<<20), "idle-MB")
	b.ReportMetric(float64(used)/(1<<20), "after-use-MB")
}
