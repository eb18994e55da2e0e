package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// apiMarker is Mastodon's Marker: where the person stopped reading.
type apiMarker struct {
	LastReadID string `json:"last_read_id"`
	Version    int    `json:"version"`
	UpdatedAt  string `json:"updated_at"`
}

var markerTimelines = []string{models.MarkerHome, models.MarkerNotifications}

// maxMarkerBody bounds a markers request: two ids fit in far less.
const maxMarkerBody = 4 << 10

// Markers answers GET /api/v1/markers?timeline[]=home&timeline[]=notifications:
// the saved positions of the timelines named (of both when none is), keyed
// by timeline; one never saved is left out, as on Mastodon.
func (h *Handler) Markers(c echo.Context) error {
	asked := c.QueryParams()["timeline[]"]
	if len(asked) == 0 {
		asked = c.QueryParams()["timeline"]
	}
	if len(asked) == 0 {
		asked = markerTimelines
	}
	list, err := models.Markers(c.Request().Context(), h.db, currentAccount(c).Actor.ID, asked)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, markersJSON(list))
}

// SaveMarkers answers POST /api/v1/markers: home[last_read_id] and
// notifications[last_read_id], as a form or as JSON ({"home":
// {"last_read_id": "…"}}). Each save counts one version more. A body that
// names no timeline, or an id that is no status or notification id, is
// refused (422) and nothing is saved.
func (h *Handler) SaveMarkers(c echo.Context) error {
	positions, err := readMarkers(c)
	if err != nil {
		return err
	}
	me := currentAccount(c).Actor.ID
	var saved []*models.Marker
	err = models.InTx(c.Request().Context(), h.db, func(tx pgx.Tx) error {
		for _, timeline := range markerTimelines {
			id, ok := positions[timeline]
			if !ok {
				continue
			}
			m, err := models.SaveMarker(c.Request().Context(), tx, me, timeline, id)
			if err != nil {
				return err
			}
			saved = append(saved, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, markersJSON(saved))
}

// readMarkers reads and checks the positions a markers request sets.
func readMarkers(c echo.Context) (map[string]string, error) {
	req := c.Request()
	positions := map[string]string{}
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
		var body map[string]struct {
			LastReadID json.RawMessage `json:"last_read_id"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(c.Response(), req.Body, maxMarkerBody)).Decode(&body); err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the markers: "+err.Error())
		}
		for _, timeline := range markerTimelines {
			if v, ok := body[timeline]; ok {
				positions[timeline] = jsonID(v.LastReadID)
			}
		}
	} else {
		req.Body = http.MaxBytesReader(c.Response(), req.Body, maxMarkerBody)
		form, err := c.FormParams()
		if err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "could not read the markers")
		}
		for _, timeline := range markerTimelines {
			if vs, ok := form[timeline+"[last_read_id]"]; ok && len(vs) > 0 {
				positions[timeline] = vs[0]
			}
		}
	}
	if len(positions) == 0 {
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Validation failed: give home[last_read_id] or notifications[last_read_id]")
	}
	for timeline, id := range positions {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
			return nil, echo.NewHTTPError(http.StatusUnprocessableEntity,
				fmt.Sprintf("Validation failed: %s[last_read_id] must be the id of a status or notification", timeline))
		}
	}
	return positions, nil
}

// jsonID reads an id sent as a JSON string or number ("" when neither).
func jsonID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func markersJSON(list []*models.Marker) map[string]apiMarker {
	out := map[string]apiMarker{}
	for _, m := range list {
		out[m.Timeline] = apiMarker{LastReadID: m.LastReadID, Version: m.Version, UpdatedAt: m.UpdatedAt.UTC().Format(apiTime)}
	}
	return out
}
