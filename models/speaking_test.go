package models

import (
	"errors"
	"testing"
)

func TestContainsKeywordMatchesWholeWordsIgnoringCase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text, keyword string
		whole, want         bool
	}{
		{"same word", "after the loss I", "loss", true, true},
		{"other case", "After the LOSS", "loss", true, true},
		{"inside a word", "a glossy leaflet", "loss", true, false},
		{"inside a word, anywhere", "a glossy leaflet", "loss", false, true},
		{"phrase over a line break", "we are trying\nto   conceive", "trying to conceive", true, true},
		{"punctuation is a boundary", "IVF, again.", "ivf", true, true},
		{"a later whole match after a partial one", "glossy loss", "loss", true, true},
		{"non-ASCII letters are letters", "naïveté", "na", true, false},
		{"empty keyword", "anything", " ", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ContainsKeyword(c.text, c.keyword, c.whole); got != c.want {
				t.Errorf("ContainsKeyword(%q, %q, %v) = %v, want %v", c.text, c.keyword, c.whole, got, c.want)
			}
		})
	}
}

func TestParseTopicsReadsOneTopicALine(t *testing.T) {
	t.Parallel()
	topics, err := ParseTopics("loss: miscarriage, stillbirth, loss\n\n  fertility :IVF,  trying   to conceive ,\nNICU")
	if err != nil {
		t.Fatal(err)
	}
	if len(topics) != 3 || topics[0].Name != "loss" || len(topics[0].Keywords) != 3 ||
		topics[1].Name != "fertility" || topics[1].Keywords[1] != "trying to conceive" ||
		topics[2].Name != "NICU" || topics[2].Keywords[0] != "NICU" {
		t.Errorf("topics: %+v", topics)
	}
	if again, _ := ParseTopics(TopicsText(topics)); len(again) != 3 || again[1].Keywords[0] != "IVF" {
		t.Errorf("written and read again: %+v", again)
	}
	for _, bad := range []string{": no name", "name: , ,"} {
		if _, err := ParseTopics(bad); !errors.Is(err, ErrInvalidGroup) {
			t.Errorf("ParseTopics(%q) = %v, want an ErrInvalidGroup", bad, err)
		}
	}
}

func TestTopicWithoutWarningNeedsNoWarningOnceOneIsGiven(t *testing.T) {
	t.Parallel()
	topics := []Topic{{Name: "loss", Keywords: []string{"miscarriage"}}}
	if got := TopicWithoutWarning(topics, "after my Miscarriage", ""); got == nil || got.Name != "loss" {
		t.Errorf("no warning: %v, want the loss topic", got)
	}
	if got := TopicWithoutWarning(topics, "after my miscarriage", "loss"); got != nil {
		t.Errorf("with a warning: %v, want nil", got)
	}
	if got := TopicWithoutWarning(topics, "a happy day", ""); got != nil {
		t.Errorf("off topic: %v, want nil", got)
	}
}

func TestFilterValidationAndMatching(t *testing.T) {
	t.Parallel()
	f := &Filter{Title: " Sleep ", Contexts: []string{"home", "home", "thread"},
		Keywords: []FilterKeyword{{Keyword: "sleep training", WholeWord: true}, {Keyword: "cot", WholeWord: false}}}
	if err := f.Validate(); err != nil || f.Title != "Sleep" || len(f.Contexts) != 2 || f.Action != FilterWarn {
		t.Errorf("Validate: %v %+v", err, f)
	}
	if m := f.Matches("Sleep Training and mascots"); len(m) != 2 {
		t.Errorf("Matches: %v, want both keywords", m)
	}
	for _, bad := range []*Filter{{Title: "", Contexts: []string{"home"}}, {Title: "x", Contexts: []string{"elsewhere"}},
		{Title: "x", Contexts: []string{"home"}, Action: "blur-everything"}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", bad)
		}
	}
}
