package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/village-social/village/models"
)

// Who hears of what. Each stream shows what the REST timeline of the same
// name would show at that moment: an entry is told to a subscription only
// when that timeline, asked for exactly that entry's id, lists it. So a
// stream never shows what the timeline would not (members-only posts,
// blocked and muted people, exclusive lists, replies a list leaves out),
// and the rules live in one place.

// tell sends one event to every connection it concerns.
func (s *streams) tell(ctx context.Context, e models.StreamEvent) error {
	conns := s.snapshot()
	if len(conns) == 0 {
		return nil
	}
	switch e.Kind {
	case models.StreamPostCreated:
		return s.tellEntry(ctx, conns, e.ID, "update", true)
	case models.StreamPostEdited:
		return s.tellEntry(ctx, conns, e.ID, "status.update", true)
	case models.StreamBoostCreated:
		// Boosts show at home and in lists, never in public timelines.
		return s.tellEntry(ctx, conns, e.ID, "update", false)
	case models.StreamPostDeleted:
		return s.tellDeleted(ctx, conns, e.ID)
	case models.StreamBoostDeleted:
		return s.tellUnboosted(ctx, conns, e.ID, e.Owner)
	case models.StreamNotification:
		return s.tellNotification(ctx, conns, e.ID, e.Owner)
	case models.StreamConversation:
		return s.tellConversation(ctx, conns, e.ID, e.Owner)
	case models.StreamFiltersChanged:
		for _, c := range conns {
			if c.accountID != e.Owner {
				continue
			}
			for _, sub := range c.subscriptions() {
				if sub.name == "user" {
					c.send(sub, "filters_changed", "")
				}
			}
		}
		return nil
	}
	return fmt.Errorf("unknown kind %q", e.Kind)
}

// onlyEntry is the page that lists exactly the entry with id, if the
// timeline has it.
func onlyEntry(id int64) models.Page {
	return models.Page{MaxID: id + 1, SinceID: id - 1, Limit: 1}
}

// entryTeller tells one entry (a post or a boost) to the subscriptions
// whose timelines list it, asking each timeline once and rendering the
// status once per viewer (public streams: once for all, as Mastodon
// does, then each viewer's blocks and filters).
type entryTeller struct {
	s       *streams
	id      int64
	event   string
	post    *models.StreamPost // nil for a boost
	home    map[int64]*models.Entry
	lists   map[int64]*models.Entry
	tags    map[string]*models.Entry
	public  *models.Entry
	asked   bool // the public timeline was asked
	anon    *apiStatus
	ownView map[string]*apiStatus // viewer and filter context: her render
	shared  map[int64]string      // viewer: the shared render as she gets it
}

// tellEntry tells the entry with id as event; posts says it is a post
// (public and hashtag streams may show it), not a boost.
func (s *streams) tellEntry(ctx context.Context, conns []*streamConn, id int64, event string, posts bool) error {
	t := &entryTeller{s: s, id: id, event: event, home: map[int64]*models.Entry{}, lists: map[int64]*models.Entry{},
		tags: map[string]*models.Entry{}, ownView: map[string]*apiStatus{}, shared: map[int64]string{}}
	if posts {
		p, err := models.StreamPostByID(ctx, s.h.db, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		t.post = p
	}
	for _, c := range conns {
		for _, sub := range c.subscriptions() {
			payload, err := t.payloadFor(ctx, c.accountID, sub)
			if err != nil {
				return err
			}
			if payload != "" {
				c.send(sub, event, payload)
			}
		}
	}
	return nil
}

// payloadFor is the status as viewer's subscription shows it, or "" when
// the subscription's timeline does not list the entry.
func (t *entryTeller) payloadFor(ctx context.Context, viewer int64, sub *streamSub) (string, error) {
	h := t.s.h
	switch {
	case sub.name == "user":
		e, err := cached(t.home, viewer, func() ([]models.Entry, error) {
			return models.HomeTimeline(ctx, h.db, viewer, onlyEntry(t.id))
		})
		if err != nil || e == nil {
			return "", err
		}
		return t.ownRender(ctx, viewer, *e, models.FilterHome)
	case sub.list != nil:
		e, err := cached(t.lists, sub.list.ID, func() ([]models.Entry, error) {
			return models.ListTimeline(ctx, h.db, sub.list, onlyEntry(t.id))
		})
		if err != nil || e == nil {
			return "", err
		}
		return t.ownRender(ctx, viewer, *e, models.FilterHome)
	case t.post == nil:
		return "", nil // a boost: only at home and in lists
	case sub.public():
		if !t.asked {
			list, err := models.PublicTimeline(ctx, h.db, false, onlyEntry(t.id))
			if err != nil {
				return "", err
			}
			t.asked = true
			if len(list) == 1 && list[0].ID == t.id {
				t.public = &list[0]
			}
		}
		if t.public == nil || !publicVariantShows(sub.name, t.post) {
			return "", nil
		}
		return t.sharedRender(ctx, viewer)
	case sub.hashtag():
		local := sub.name == "hashtag:local"
		key := fmt.Sprintf("%s|%t|%d", sub.tag, local, viewer)
		e, err := cached(t.tags, key, func() ([]models.Entry, error) {
			return models.TagTimeline(ctx, h.db, models.TagQuery{Tag: sub.tag, LocalOnly: local, ViewerID: viewer}, onlyEntry(t.id))
		})
		if err != nil || e == nil {
			return "", err
		}
		return t.sharedRender(ctx, viewer)
	}
	return "", nil // direct and user:notification streams carry no statuses
}

// cached asks a timeline for the entry once per key.
func cached[K comparable](seen map[K]*models.Entry, key K, ask func() ([]models.Entry, error)) (*models.Entry, error) {
	if e, ok := seen[key]; ok {
		return e, nil
	}
	list, err := ask()
	if err != nil {
		return nil, err
	}
	var e *models.Entry
	if len(list) == 1 {
		e = &list[0]
	}
	seen[key] = e
	return e, nil
}

// publicVariantShows: public:local shows local posts, public:remote the
// others, and the :media ones only posts with media.
func publicVariantShows(name string, p *models.StreamPost) bool {
	switch name {
	case "public:local", "public:local:media":
		if !p.Local {
			return false
		}
	case "public:remote", "public:remote:media":
		if p.Local {
			return false
		}
	}
	switch name {
	case "public:media", "public:local:media", "public:remote:media":
		return p.HasMedia
	}
	return true
}

// ownRender is the entry rendered for viewer, as her timeline shows it,
// after her blocks, mutes and filters of filterContext; "" when they hide it.
func (t *entryTeller) ownRender(ctx context.Context, viewer int64, e models.Entry, filterContext string) (string, error) {
	key := strconv.FormatInt(viewer, 10) + "|" + filterContext
	if st, ok := t.ownView[key]; ok {
		return encodePayload(st)
	}
	h := t.s.h
	list, err := h.statuses(ctx, []models.Entry{e}, viewer)
	if err == nil {
		list, err = h.withoutHidden(ctx, viewer, list)
	}
	if err == nil {
		list, err = h.applyFilters(ctx, viewer, filterContext, list)
	}
	if err != nil {
		return "", err
	}
	var st *apiStatus
	if len(list) == 1 {
		st = list[0]
	}
	t.ownView[key] = st
	return encodePayload(st)
}

// sharedRender is the post rendered once for everyone, then kept from
// viewer if she blocks or mutes its author, and marked or dropped by her
// filters of public timelines.
func (t *entryTeller) sharedRender(ctx context.Context, viewer int64) (string, error) {
	if payload, ok := t.shared[viewer]; ok {
		return payload, nil
	}
	h := t.s.h
	if t.anon == nil {
		list, err := h.statuses(ctx, []models.Entry{{ID: t.id, PostID: t.id}}, 0)
		if err != nil {
			return "", err
		}
		if len(list) != 1 {
			return "", nil
		}
		t.anon = list[0]
	}
	copied := *t.anon // filters mark the status they judge: each viewer her own copy
	list, err := h.withoutHidden(ctx, viewer, []*apiStatus{&copied})
	if err == nil {
		list, err = h.applyFilters(ctx, viewer, models.FilterPublic, list)
	}
	if err != nil {
		return "", err
	}
	var payload string
	if len(list) == 1 {
		if payload, err = encodePayload(list[0]); err != nil {
			return "", err
		}
	}
	t.shared[viewer] = payload
	return payload, nil
}

// encodePayload is an entity's JSON, as the payload string carries it;
// "" for none.
func encodePayload(v any) (string, error) {
	switch x := v.(type) {
	case *apiStatus:
		if x == nil {
			return "", nil
		}
	case *apiNotification:
		if x == nil {
			return "", nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode a stream payload: %w", err)
	}
	return string(b), nil
}

// tellDeleted tells of a deleted post those whose streams may have shown
// it: public and hashtag streams when it was public, and the user and
// list streams of those who could see it.
func (s *streams) tellDeleted(ctx context.Context, conns []*streamConn, id int64) error {
	p, err := models.StreamPostByID(ctx, s.h.db, id)
	wasPublic := err == nil && p.Visibility == "public"
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	var viewers []int64
	for _, c := range conns {
		viewers = append(viewers, c.accountID)
	}
	may := map[int64]bool{}
	if err == nil {
		who, err := models.WhoMaySeeDeleted(ctx, s.h.db, id, viewers)
		if err != nil {
			return err
		}
		for _, v := range who {
			may[v] = true
		}
	}
	payload := strconv.FormatInt(id, 10)
	for _, c := range conns {
		for _, sub := range c.subscriptions() {
			personal := sub.name == "user" || sub.list != nil
			var tell bool
			switch {
			case p == nil:
				// Gone from the database altogether: its id is all there
				// is to tell, and it says nothing of the post.
				tell = personal || sub.public() || sub.hashtag()
			case personal:
				tell = may[c.accountID]
			default:
				tell = wasPublic && (sub.public() || sub.hashtag())
			}
			if tell {
				c.send(sub, "delete", payload)
			}
		}
	}
	return nil
}

// tellUnboosted tells the booster and her followers' user and list
// streams that a boost is gone.
func (s *streams) tellUnboosted(ctx context.Context, conns []*streamConn, id, booster int64) error {
	var viewers []int64
	for _, c := range conns {
		viewers = append(viewers, c.accountID)
	}
	followers, err := models.FollowersAmong(ctx, s.h.db, booster, viewers)
	if err != nil {
		return err
	}
	told := map[int64]bool{booster: true}
	for _, f := range followers {
		told[f] = true
	}
	payload := strconv.FormatInt(id, 10)
	for _, c := range conns {
		if !told[c.accountID] {
			continue
		}
		for _, sub := range c.subscriptions() {
			if sub.name == "user" || sub.list != nil {
				c.send(sub, "delete", payload)
			}
		}
	}
	return nil
}

// tellNotification sends a new notification to its recipient's user
// streams (when the token may read notifications) and notification
// streams, as GET /api/v1/notifications/:id would show it.
func (s *streams) tellNotification(ctx context.Context, conns []*streamConn, id, recipient int64) error {
	var payload string
	rendered := false
	for _, c := range conns {
		if c.accountID != recipient {
			continue
		}
		for _, sub := range c.subscriptions() {
			if !sub.notifications {
				continue
			}
			if !rendered {
				rendered = true
				entity, err := s.notificationPayload(ctx, id, recipient)
				if err != nil || entity == "" {
					return err
				}
				payload = entity
			}
			c.send(sub, "notification", payload)
		}
	}
	return nil
}

// notificationPayload is the notification's entity, or "" when the API
// would not list it (its post gone or filtered, its sender since hidden).
func (s *streams) notificationPayload(ctx context.Context, id, recipient int64) (string, error) {
	n, err := models.NotificationOf(ctx, s.h.db, recipient, id, storedTypes(nil, nil))
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	me, err := models.ActorByID(ctx, s.h.db, recipient)
	if err != nil {
		return "", err
	}
	entity, err := s.h.notificationEntity(ctx, me, n)
	if err != nil {
		return "", err
	}
	return encodePayload(entity)
}

// tellConversation sends a conversation that changed to its owner's
// direct streams.
func (s *streams) tellConversation(ctx context.Context, conns []*streamConn, id, owner int64) error {
	var payload string
	for _, c := range conns {
		if c.accountID != owner {
			continue
		}
		for _, sub := range c.subscriptions() {
			if sub.name != "direct" {
				continue
			}
			if payload == "" {
				conv, err := models.ConversationByID(ctx, s.h.db, owner, id)
				if errors.Is(err, models.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				entity, err := s.h.conversation(ctx, conv, owner)
				if err != nil {
					return err
				}
				if payload, err = encodePayload(entity); err != nil {
					return err
				}
			}
			c.send(sub, "conversation", payload)
		}
	}
	return nil
}
