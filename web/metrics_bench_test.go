package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
	"github.com/village-social/village/web/metrics"
)

// BenchmarkActorReadsWithMetrics is BenchmarkActorReads' workload (eight
// readers of GET /users/alice over real HTTP) served twice, interleaved:
// with metrics on and JSON logs naming request ids, as in production with
// VILLAGE_METRICS_LISTEN, and with neither. It reports both rates and
// their ratio: what counting every request costs.
func BenchmarkActorReadsWithMetrics(b *testing.B) {
	ctx := context.Background()
	db := testenv.DB(b)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"}); err != nil {
		b.Fatal(err)
	}
	plainLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	jsonLog := slog.New(requestid.NewHandler(slog.NewJSONHandler(io.Discard, nil)))
	m := metrics.New(jsonLog)
	if err := m.WatchPool(db); err != nil {
		b.Fatal(err)
	}
	observed := httptest.NewServer(web.New(web.Options{DB: db, URLs: urls, Logger: jsonLog, Metrics: m}))
	defer observed.Close()
	plain := httptest.NewServer(web.New(web.Options{DB: db, URLs: urls, Logger: plainLog}))
	defer plain.Close()
	readOnce(b, observed.URL+"/users/alice")
	readOnce(b, plain.URL+"/users/alice")

	const readers = 8
	var with, without readStats
	b.ResetTimer()
	for range 3 {
		without.add(readMany(b, plain.URL+"/users/alice", b.N, readers))
		with.add(readMany(b, observed.URL+"/users/alice", b.N, readers))
	}
	b.StopTimer()
	b.ReportMetric(with.rate(), "metrics-reads/s")
	b.ReportMetric(without.rate(), "plain-reads/s")
	b.ReportMetric(with.rate()/without.rate(), "of-plain")
}
