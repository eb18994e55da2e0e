package federation

// BlockDocument is a person's Block of another actor (Mastodon's shape:
// addressed to the blocked actor only, no target). go-fed's Block would
// do, but a plain document keeps the Undo that embeds it identical.
func BlockDocument(id, actor, object string) map[string]any {
	return map[string]any{
		"@context": Context(),
		"id":       id,
		"type":     "Block",
		"actor":    actor,
		"object":   object,
		"to":       []any{object},
	}
}

// UndoBlockDocument undoes a Block, embedding it as it was sent.
func UndoBlockDocument(id, actor, object, blockID string) map[string]any {
	inner := BlockDocument(blockID, actor, object)
	delete(inner, "@context")
	return map[string]any{
		"@context": Context(),
		"id":       id,
		"type":     "Undo",
		"actor":    actor,
		"object":   inner,
		"to":       []any{object},
	}
}

// DeleteActorDocument is a local actor's Delete of itself, as Mastodon
// sends when an account is suspended: its followers' servers drop it.
func DeleteActorDocument(id, actor string) map[string]any {
	return map[string]any{
		"@context": Context(),
		"id":       id,
		"type":     "Delete",
		"actor":    actor,
		"object":   actor,
		"to":       []any{Public},
	}
}
