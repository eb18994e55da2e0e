package inbox

import "context"

// arrivalKey marks the context of an activity POSTed to a local group's
// own inbox: some activities (a Flag) mean the group by where they arrive.
type arrivalKey struct{}

// AtGroupInbox notes that the activity of ctx arrived at the inbox of the
// local group name.
func AtGroupInbox(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, arrivalKey{}, name)
}

// arrivedAtGroup is the local group whose inbox the activity arrived at, or "".
func arrivedAtGroup(ctx context.Context) string {
	name, _ := ctx.Value(arrivalKey{}).(string)
	return name
}
