package main

// Debian's toot, a Mastodon command-line client written by others, logs in
// through OAuth and posts. toot 0.34 takes an http:// instance with
// --disable-https (its console.py scheme_arg), so the instance serves plain
// HTTP on loopback. `toot login` prints the authorization URL and reads the
// code (out of band) from its standard input: the test follows the URL as
// a person would, logs in, consents, reads the code from the page, and
// types it to toot.

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// tootEnv is the environment toot runs in: its own configuration folder,
// output unbuffered (the test reads it as it comes), no proxy.
func tootEnv(configHome string) []string {
	env := []string{"XDG_CONFIG_HOME=" + configHome, "HOME=" + configHome, "PYTHONUNBUFFERED=1"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "xdg_config_home", "home", "http_proxy", "https_proxy", "all_proxy", "no_proxy":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lockedLines collects a process's output lines as they come.
type lockedLines struct {
	mu   sync.Mutex
	text strings.Builder
}

func (l *lockedLines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.WriteString(s)
}

func (l *lockedLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

var authorizeURLInOutput = regexp.MustCompile(`http://\S+/oauth/authorize/\?[^\s\x1b]+`)

func TestTootLogsInThroughOAuthAndPosts(t *testing.T) {
	t.Parallel()
	toot, err := exec.LookPath("toot")
	if err != nil {
		t.Fatalf("this test needs Debian's toot (%v): `make test` installs it, or run: sudo apt-get install -y toot", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrApps})
	v.Admin("admin", "user", "create", "carla", "--password", "password-carla")
	env := tootEnv(t.TempDir())

	login := exec.CommandContext(ctx, toot, "login", "--disable-https", "--instance", v.Addr)
	login.Env = env
	stdin, err := login.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := login.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	login.Stderr = login.Stdout
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	var output lockedLines
	found := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			output.add(line)
			if m := authorizeURLInOutput.FindString(line); m != "" {
				found <- m
			}
			if err != nil {
				close(found)
				return
			}
		}
	}()
	authorizeURL, ok := <-found
	if !ok {
		login.Wait()
		t.Fatalf("toot login printed no authorization URL:\n%s", output.String())
	}
	io.WriteString(stdin, "n\n") // "Open link in default browser? [Y/n]"
	code := testenv.NewOAuthBrowser(t).Authorize(authorizeURL, "carla", "password-carla")
	io.WriteString(stdin, code+"\n") // "Authorization code:"
	stdin.Close()
	if err := login.Wait(); err != nil || !strings.Contains(output.String(), "Successfully logged in") {
		t.Fatalf("toot login: %v\n%s", err, output.String())
	}

	post := exec.CommandContext(ctx, toot, "post", "Hello from toot, over OAuth")
	post.Env = env
	out, err := post.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Toot posted") {
		t.Fatalf("toot post: %v\n%s", err, out)
	}
	// Anyone reads it on the public timeline, with the app that wrote it.
	var timeline []struct {
		Content     string
		Application *struct{ Name string } `json:"application"`
		Account     struct{ Username string }
	}
	if code := tokenGet(t, v.BaseURL, "", "/api/v1/timelines/public?local=true", &timeline); code != http.StatusOK || len(timeline) != 1 ||
		!strings.Contains(timeline[0].Content, "Hello from toot") || timeline[0].Account.Username != "carla" ||
		timeline[0].Application == nil || !strings.Contains(timeline[0].Application.Name, "toot") {
		t.Errorf("public timeline: %d %+v", code, timeline)
	}
}
