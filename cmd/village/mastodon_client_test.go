package main

import (
	"context"
	"testing"
	"time"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

// mastodonClient is a Mastodon client library written by others
// (mattn/go-mastodon) holding the same token as c, so that what Village
// answers is read as apps read it, not as our own tests expect.
func mastodonClient(t *testing.T, c *testenv.Client) (*mastodon.Client, context.Context) {
	t.Helper()
	client := mastodon.NewClient(&mastodon.Config{Server: c.BaseURL, AccessToken: c.Token})
	client.Timeout = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return client, ctx
}

// must fails the test on a library error, naming what was asked.
func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}
