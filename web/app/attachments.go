package app

import (
	"strconv"
	"strings"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// attachmentView is a post's photo (or other file) as a page shows it.
type attachmentView struct {
	Href   string // the whole picture, or the file
	Src    string // what the page shows: the preview
	Alt    string // the alt text; "" when its writer gave none
	Width  int    // of Src, for the layout; 0 when unknown
	Height int
	Image  bool // shown as a picture; otherwise a link
}

// attachmentView decides how a page shows an attachment. A photo
// uploaded here is shown from this server: a public post's from its file
// address (cached for good), any other post's through /photos/ID, which
// checks on every request that the viewer may see the post. A remote
// picture is linked where it lives (its type, as its server states it,
// only decides whether to show it as a picture); anything else is a link.
func (h *Handler) attachmentView(p *models.Post, a models.Attachment) (attachmentView, bool) {
	v := attachmentView{Alt: content.CutRunes(a.Name, models.MaxMediaDescription)}
	if a.MediaID != 0 {
		v.Image, v.Width, v.Height = true, a.PreviewWidth, a.PreviewHeight
		if p.Visibility == models.VisibilityPublicPost || p.Visibility == models.VisibilityUnlisted {
			v.Href, v.Src = h.localPath(a.URL), h.localPath(a.PreviewURL)
		} else {
			id := "/photos/" + strconv.FormatInt(a.MediaID, 10)
			v.Href, v.Src = id, id+"/preview"
		}
		return v, true
	}
	u := content.WebURL(a.URL)
	if u == "" {
		return v, false
	}
	v.Href, v.Src = u, u
	v.Image = strings.HasPrefix(a.MediaType, "image/") || (a.MediaType == "" && a.Type == "Image")
	if v.Image && a.Width > 0 && a.Height > 0 {
		v.Width, v.Height = a.Width, a.Height
	}
	return v, true
}
