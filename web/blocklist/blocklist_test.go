package blocklist

import (
	"context"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// BenchmarkSeverityOfALoadedList measures what each inbox POST pays to ask
// whether its host is blocked once the blocks are in memory, against a
// handful of blocks.
func BenchmarkSeverityOfALoadedList(b *testing.B) {
	now := time.Now()
	cache := &Cache{now: func() time.Time { return now }, loaded: now}
	for _, d := range []string{"spam.example", "loud.example", "bad.example", "worse.example:8443"} {
		cache.blocks = append(cache.blocks, models.DomainBlock{Domain: d, Severity: models.BlockSuspend})
	}
	b.ReportAllocs()
	for b.Loop() {
		if sev, err := cache.Severity(context.Background(), "social.example"); err != nil || sev != "" {
			b.Fatal(sev, err)
		}
	}
}
