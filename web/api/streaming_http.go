package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Timing of the streams' heartbeats.
const (
	// wsPingEvery: a WebSocket is pinged this often; one that has sent
	// nothing, not even a pong, for wsQuietLimit is closed.
	wsPingEvery  = 30 * time.Second
	wsQuietLimit = 75 * time.Second
	// sseThumpEvery: an event stream gets Mastodon's ":thump" comment
	// this often, which keeps proxies from closing it.
	sseThumpEvery = 15 * time.Second
	// wsMaxMessage bounds what an app may send (subscribe and
	// unsubscribe messages are a few dozen bytes).
	wsMaxMessage = 4 << 10
)

// streamToken finds the token of a streaming request: the Authorization
// header (read by Authenticate), the access_token parameter, or, for a
// WebSocket, the Sec-WebSocket-Protocol header, as browsers cannot set
// headers on one. fromProtocol says the last: the answer must name it.
func (h *Handler) streamToken(c echo.Context) (tok *models.Token, fromProtocol bool, err error) {
	if t := requestToken(c); t != nil {
		tok = t
	} else {
		value := c.QueryParam("access_token")
		if value == "" && websocket.IsWebSocketUpgrade(c.Request()) {
			value = strings.TrimSpace(c.Request().Header.Get("Sec-WebSocket-Protocol"))
			fromProtocol = value != ""
		}
		if value == "" {
			return nil, false, &streamError{http.StatusUnauthorized, "Missing access token"}
		}
		tok, err = models.TokenByValue(c.Request().Context(), h.db, value)
		if errors.Is(err, models.ErrNotFound) {
			return nil, false, &streamError{http.StatusUnauthorized, "Invalid access token"}
		}
		if err != nil {
			return nil, false, err
		}
	}
	if tok.Account == nil {
		return nil, false, &streamError{http.StatusUnauthorized, "Invalid access token"}
	}
	return tok, fromProtocol, nil
}

// refuse answers a refused streaming request in Mastodon's JSON.
func refuse(c echo.Context, err error) error {
	var se *streamError
	if errors.As(err, &se) {
		return c.JSON(se.status, map[string]string{"error": se.msg})
	}
	var limit errStreamLimit
	if errors.As(err, &limit) {
		return c.JSON(http.StatusTooManyRequests, map[string]string{"error": limit.reason})
	}
	return err
}

// StreamingHealth answers GET /api/v1/streaming/health, as Mastodon's
// streaming server does.
func (h *Handler) StreamingHealth(c echo.Context) error {
	return c.String(http.StatusOK, "OK")
}

// StreamingSocket answers GET /api/v1/streaming: a WebSocket on which the
// app subscribes to streams (the stream parameter, then subscribe and
// unsubscribe messages) and hears their events.
func (h *Handler) StreamingSocket(c echo.Context) error {
	r := c.Request()
	if !websocket.IsWebSocketUpgrade(r) {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "This is a WebSocket: ask for an upgrade, or use the event streams under /api/v1/streaming/"})
	}
	tok, fromProtocol, err := h.streamToken(c)
	if err != nil {
		return refuse(c, err)
	}
	conn := newStreamConn(tok, false)
	if err := h.streams.add(r.Context(), conn); err != nil {
		return refuse(c, err)
	}
	defer h.streams.remove(conn)
	var header http.Header
	if fromProtocol {
		header = http.Header{"Sec-Websocket-Protocol": {r.Header.Get("Sec-WebSocket-Protocol")}}
	}
	ws, err := h.streams.upgrader.Upgrade(c.Response(), r, header)
	if err != nil {
		return nil // the upgrader has answered
	}
	defer ws.Close()
	ctx := r.Context()
	if name := c.QueryParam("stream"); name != "" {
		sub, err := h.subscription(ctx, tok, name, c.QueryParam("tag"), c.QueryParam("list"))
		if err != nil {
			h.tellSubscriptionError(conn, err)
		} else {
			conn.subscribe(sub)
		}
	}
	go h.readSocket(ws, conn)

	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-conn.done:
			deadline := time.Now().Add(time.Second)
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), deadline)
			return nil
		case msg := <-conn.out:
			_ = ws.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
				conn.close()
				return nil
			}
		case <-ping.C:
			if err := ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(streamWriteTimeout)); err != nil {
				conn.close()
				return nil
			}
		}
	}
}

// socketRequest is what an app sends on the WebSocket.
type socketRequest struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag"`
	List   any    `json:"list"` // apps send the id as a string or a number
}

// readSocket reads the app's subscribe and unsubscribe messages until it
// goes quiet or away, then closes the connection.
func (h *Handler) readSocket(ws *websocket.Conn, conn *streamConn) {
	defer conn.close()
	ws.SetReadLimit(wsMaxMessage)
	quiet := func() error { return ws.SetReadDeadline(time.Now().Add(wsQuietLimit)) }
	_ = quiet()
	ws.SetPongHandler(func(string) error { return quiet() })
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		_ = quiet()
		var req socketRequest
		if err := json.Unmarshal(data, &req); err != nil {
			conn.queue((&streamError{http.StatusBadRequest, "Messages are JSON: {\"type\": \"subscribe\", \"stream\": ...}"}).json())
			continue
		}
		list := ""
		switch v := req.List.(type) {
		case string:
			list = v
		case float64:
			list = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ctx, cancel := context.WithTimeout(context.Background(), streamEventTimeout)
		sub, err := h.subscription(ctx, conn.token, req.Stream, req.Tag, list)
		cancel()
		switch {
		case err != nil:
			h.tellSubscriptionError(conn, err)
		case req.Type == "subscribe":
			conn.subscribe(sub)
		case req.Type == "unsubscribe":
			conn.unsubscribe(sub)
		default:
			conn.queue((&streamError{http.StatusBadRequest, "Unknown message type: subscribe or unsubscribe"}).json())
		}
	}
}

// tellSubscriptionError sends a refused subscription's reason on the
// WebSocket, as Mastodon does; the connection stays open.
func (h *Handler) tellSubscriptionError(conn *streamConn, err error) {
	var se *streamError
	if !errors.As(err, &se) {
		h.streams.logger.Warn("streaming: subscription", "error", err)
		se = &streamError{http.StatusInternalServerError, "Could not subscribe: try again"}
	}
	conn.queue(se.json())
}

// sseStreams are the event streams' paths under /api/v1/streaming/ and
// the stream each serves (only_media=true adds :media to public ones).
var sseStreams = map[string]string{
	"user":              "user",
	"user/notification": "user:notification",
	"public":            "public",
	"public/local":      "public:local",
	"public/remote":     "public:remote",
	"hashtag":           "hashtag",
	"hashtag/local":     "hashtag:local",
	"list":              "list",
	"direct":            "direct",
}

// StreamingEvents answers GET /api/v1/streaming/:stream... with a
// Server-Sent Events stream of one subscription.
func (h *Handler) StreamingEvents(c echo.Context) error {
	r := c.Request()
	name, ok := sseStreams[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/streaming/"), "/")]
	if !ok {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "Unknown channel requested"})
	}
	if strings.HasPrefix(name, "public") && c.QueryParam("only_media") == "true" {
		name += ":media"
	}
	tok, _, err := h.streamToken(c)
	if err != nil {
		return refuse(c, err)
	}
	ctx := r.Context()
	sub, err := h.subscription(ctx, tok, name, c.QueryParam("tag"), c.QueryParam("list"))
	if err != nil {
		return refuse(c, err)
	}
	conn := newStreamConn(tok, true)
	conn.subscribe(sub)
	if err := h.streams.add(ctx, conn); err != nil {
		return refuse(c, err)
	}
	defer h.streams.remove(conn)

	w := c.Response()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for requests, not streams.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte(":)\n")) {
		return nil
	}
	thump := time.NewTicker(sseThumpEvery)
	defer thump.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-conn.done:
			return nil
		case msg := <-conn.out:
			if !write(msg) {
				return nil
			}
		case <-thump.C:
			if !write([]byte(":thump\n")) {
				return nil
			}
		}
	}
}
