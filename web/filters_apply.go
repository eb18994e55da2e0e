package web

import (
	"context"
	"strings"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// postFilters are a member's filters that work in one context now: the
// API's timelines and the web app's member pages pass what they show
// through them (hide: left out; warn: shown folded under the filter's title).
type postFilters struct {
	list []*models.Filter
}

// filtersIn loads the viewer's filters for a context.
func (h *handlers) filtersIn(ctx context.Context, viewerID int64, filterContext string) (*postFilters, error) {
	all, err := models.Filters(ctx, h.db, viewerID)
	if err != nil {
		return nil, err
	}
	now := h.clock()
	f := &postFilters{}
	for _, x := range all {
		if x.AppliesIn(filterContext, now) {
			f.list = append(f.list, x)
		}
	}
	return f, nil
}

// judge says whether a post's text is hidden, and which warn filters it
// matches (with the keywords matched).
func (f *postFilters) judge(text string) (hide bool, warn []apiFilterResult) {
	if f == nil || len(f.list) == 0 {
		return false, nil
	}
	for _, x := range f.list {
		matches := x.Matches(text)
		if len(matches) == 0 {
			continue
		}
		if x.Action == models.FilterHide {
			return true, nil
		}
		warn = append(warn, apiFilterResult{Filter: filterEntity(x, false), KeywordMatches: matches})
	}
	return false, warn
}

// postText is what filters read of a post: its title, warning and text.
func postText(p *models.Post) string {
	return strings.Join([]string{p.Name, p.Summary, content.PlainText(p.Content)}, "\n")
}

// filterStatuses drops statuses a hide filter matches and marks those a
// warn filter matches (a boost is judged by the post it shares).
func (f *postFilters) filterStatuses(list []*apiStatus) []*apiStatus {
	if f == nil || len(f.list) == 0 {
		return list
	}
	out := list[:0:0]
	for _, s := range list {
		target := s
		if s.Reblog != nil {
			target = s.Reblog
		}
		hide, warn := f.judge(target.SpoilerText + "\n" + content.PlainText(target.Content))
		if hide {
			continue
		}
		if len(warn) > 0 {
			target.Filtered = warn
			s.Filtered = warn
		}
		out = append(out, s)
	}
	return out
}

// applyFilters filters API statuses for the viewer in a context.
func (h *handlers) applyFilters(ctx context.Context, viewerID int64, filterContext string, list []*apiStatus) ([]*apiStatus, error) {
	f, err := h.filtersIn(ctx, viewerID, filterContext)
	if err != nil {
		return nil, err
	}
	return f.filterStatuses(list), nil
}

// filterContextOfPath is the filter context of a client API timeline.
func filterContextOfPath(path string) string {
	switch {
	case strings.HasSuffix(path, "/timelines/home"):
		return models.FilterHome
	case strings.HasSuffix(path, "/timelines/public"):
		return models.FilterPublic
	case strings.HasPrefix(path, "/api/v1/accounts/"):
		return models.FilterAccount
	}
	return ""
}

// apply judges a member page's post: false when a hide filter takes it
// out; a warn filter folds it under the filter's title.
func (f *postFilters) apply(p *models.Post, mp *memberPost) bool {
	hide, warn := f.judge(postText(p))
	if hide {
		return false
	}
	if len(warn) > 0 {
		mp.member.Filtered = warn[0].Filter.Title
	}
	return true
}
