package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

func TestHomePageShowsWhatTheAdminSaysOfTheInstance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	e := web.New(web.Options{DB: db, URLs: federation.NewURLs("http://127.0.0.2:8080")})
	get := func() string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept", "text/html")
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /: %d", rec.Code)
		}
		return rec.Body.String()
	}
	if page := get(); !strings.Contains(page, "127.0.0.2:8080") {
		t.Errorf("without a name the home page should name the host")
	}
	info := models.InstanceInfo{Name: "Brooklyn Village", Description: "Parents of Brooklyn <3", ContactEmail: "hello@example.org"}
	if err := models.SetInstance(ctx, db, info, models.SignupApproval); err != nil {
		t.Fatal(err)
	}
	page := get()
	for _, want := range []string{"Brooklyn Village", "Parents of Brooklyn &lt;3", "mailto:hello@example.org"} {
		if !strings.Contains(page, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
}
