package federation

import (
	"github.com/go-fed/activity/streams"
	"github.com/go-fed/activity/streams/vocab"
)

// FlagReport is what a report carries to another server.
type FlagReport struct {
	ID       string
	Actor    string   // the instance actor: the reporter stays anonymous
	Objects  []string // the reported actor first, then its posts
	Comment  string
	To       []string // the group whose moderators it is for, if any
	Audience string
}

// NewFlag builds Flag{actor, object: [account, posts...], content}. The
// comment goes both in content (Mastodon reads it there) and in summary
// (Lemmy's reason).
func NewFlag(f FlagReport) (vocab.ActivityStreamsFlag, map[string]any, error) {
	flag := streams.NewActivityStreamsFlag()
	objects := func(op vocab.ActivityStreamsObjectProperty) error {
		for _, o := range f.Objects {
			u, err := iri(o)
			if err != nil {
				return err
			}
			op.AppendIRI(u)
		}
		return nil
	}
	if err := fill(flag, f.ID, f.Actor, f.To, objects); err != nil {
		return nil, nil, err
	}
	extra := map[string]any{}
	if f.Comment != "" {
		c := streams.NewActivityStreamsContentProperty()
		c.AppendXMLSchemaString(f.Comment)
		flag.SetActivityStreamsContent(c)
		s := streams.NewActivityStreamsSummaryProperty()
		s.AppendXMLSchemaString(f.Comment)
		flag.SetActivityStreamsSummary(s)
	}
	if f.Audience != "" {
		extra["audience"] = f.Audience
	}
	return flag, extra, nil
}
