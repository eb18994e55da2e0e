package main

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/village-social/village/internal/testenv"
)

// streamingBenchClients is how many apps the streaming benchmark connects.
const streamingBenchClients = 1000

// BenchmarkStreamingOnePostToManyClients connects 1,000 WebSockets to a
// started Village (a process of its own), all on the local public stream
// of 16 accounts, then times one post from the API's answer to its update
// reaching the last of them; it reports the server's resident memory per
// open connection (its RSS with them open, less before).
//
//	go test -tags testpasswords ./cmd/village -run '^$' -bench StreamingOnePost -benchtime 20x
func BenchmarkStreamingOnePostToManyClients(b *testing.B) {
	v := testenv.StartVillage(b, testenv.VillageOptions{Addr: "127.0.0.165:0"})
	poster := v.User("poster")
	var tokens []string
	for i := range 16 {
		tokens = append(tokens, v.User(fmt.Sprintf("reader%d", i)).Token)
	}
	time.Sleep(2 * time.Second)
	before, err := v.RSSBytes()
	if err != nil {
		b.Fatal(err)
	}

	wsURL := "ws://" + v.Addr + "/api/v1/streaming?stream=public:local&access_token="
	received := make(chan string, streamingBenchClients*4)
	var conns []*websocket.Conn
	var wg sync.WaitGroup
	for i := range streamingBenchClients {
		conn, _, err := websocket.DefaultDialer.Dial(wsURL+tokens[i%len(tokens)], nil)
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		conns = append(conns, conn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var m struct {
					Event   string `json:"event"`
					Payload string `json:"payload"`
				}
				if err := conn.ReadJSON(&m); err != nil {
					return
				}
				if m.Event == "update" {
					received <- m.Payload
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()
	time.Sleep(2 * time.Second)
	open, err := v.RSSBytes()
	if err != nil {
		b.Fatal(err)
	}

	// awaitAll waits until every client has the post that says text.
	awaitAll := func(text string) {
		got := 0
		deadline := time.After(time.Minute)
		for got < streamingBenchClients {
			select {
			case p := <-received:
				if strings.Contains(p, text) {
					got++
				}
			case <-deadline:
				b.Fatalf("%d of %d clients had the post after a minute", got, streamingBenchClients)
			}
		}
	}
	awaitAll(postFrom(b, poster, "warming up")) // every connection is subscribed and heard
	b.ResetTimer()
	var total time.Duration
	for i := range b.N {
		text := fmt.Sprintf("round %d of the benchmark", i)
		start := time.Now()
		awaitAll(postFrom(b, poster, text))
		total += time.Since(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-last-client")
	b.ReportMetric(float64(open-before)/streamingBenchClients/1024, "server-KB/conn")
	b.ReportMetric(0, "ns/op")
}

// postFrom posts text as the client's account and returns it.
func postFrom(b *testing.B, c *testenv.Client, text string) string {
	b.Helper()
	c.Post("/api/v1/statuses", url.Values{"status": {text}}, nil)
	return text
}
