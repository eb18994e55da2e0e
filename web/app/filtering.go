package app

import (
	"context"
	"strings"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// filtersIn loads the viewer's filters that work on a member page's context now.
func (h *Handler) filtersIn(ctx context.Context, viewerID int64, filterContext string) (models.FilterSet, error) {
	return models.ActiveFilters(ctx, h.db, viewerID, filterContext, h.clock())
}

// postText is what filters read of a post: its title, warning and text.
func postText(p *models.Post) string {
	return strings.Join([]string{p.Name, p.Summary, content.PlainText(p.Content)}, "\n")
}

// foldFiltered judges a member page's post: false when a hide filter takes
// it out; a warn filter folds it under the filter's title.
func foldFiltered(set models.FilterSet, p *models.Post, mp *memberPost) bool {
	hide, warn := set.Judge(postText(p))
	if hide {
		return false
	}
	if len(warn) > 0 {
		mp.member.Filtered = warn[0].Filter.Title
	}
	return true
}
