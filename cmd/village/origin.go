package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// chooseBaseURL decides the public root URL that a command names this
// instance's actors with. `village serve` records the one it serves with in
// the database (served; "" before it first ran), so that admin commands run
// by hand without `make run`'s settings name them as the server does. The
// domain and the protocol each come from the configuration when the
// operator gave it, else from served (the protocol only when the domains
// agree). "" means neither knows the domain. warning says when the result
// is not what the server serves with.
func chooseBaseURL(cfg *Config, served string) (base, warning string) {
	servedProtocol, servedDomain, _ := strings.Cut(served, "://")
	domain, protocol := cfg.Domain, cfg.Protocol
	if domain == "" {
		domain = servedDomain
	}
	if domain == "" {
		return "", ""
	}
	if !cfg.Given("VILLAGE_PROTOCOL") && domain == servedDomain {
		protocol = servedProtocol
	}
	base = protocol + "://" + domain
	if served != "" && base != served {
		warning = fmt.Sprintf("this command names this instance's actors at %s, but village serve last served this database at %s: check VILLAGE_DOMAIN and VILLAGE_PROTOCOL", base, served)
	}
	return base, warning
}

// instanceBaseURL is chooseBaseURL for this database.
func (a *app) instanceBaseURL(ctx context.Context, db models.DB) (string, error) {
	served, err := models.ServedURL(ctx, db)
	if err != nil {
		return "", err
	}
	base, warning := chooseBaseURL(a.cfg, served)
	if warning != "" {
		a.logger.Warn(warning)
	}
	return base, nil
}

// errDomainUnknown is the error of a command that must name this
// instance's actors when nothing says what they are called.
func errDomainUnknown(why string) error {
	return &configError{"VILLAGE_DOMAIN", "required here: " + why + ", and this database holds no domain yet (village serve records the one it serves with when it starts)"}
}

// withOutbox opens the database and an outbox that queues deliveries for
// the running server to send; it needs this instance's domain to name actors.
func (a *app) withOutbox(ctx context.Context, fn func(db *pgxpool.Pool, out *outbox.Outbox) error) error {
	return a.withOutboxIfKnown(ctx, func(db *pgxpool.Pool, out *outbox.Outbox) error {
		if out == nil {
			return errDomainUnknown("the activities this command sends name this instance's actors")
		}
		return fn(db, out)
	})
}

// withOutboxIfKnown is withOutbox with a nil outbox when the domain is not
// known.
func (a *app) withOutboxIfKnown(ctx context.Context, fn func(db *pgxpool.Pool, out *outbox.Outbox) error) error {
	st, err := openMigratedStore(ctx, a.cfg, a.logger, existingCluster)
	if err != nil {
		return err
	}
	defer st.close(ctx)
	base, err := a.instanceBaseURL(ctx, st.pool)
	if err != nil {
		return err
	}
	var out *outbox.Outbox
	if base != "" {
		inserter, err := delivery.NewInserter()
		if err != nil {
			return err
		}
		out = outbox.New(st.pool, federation.NewURLs(base), inserter.Enqueue, a.logger).WithFanout(inserter.EnqueueFanout)
	}
	return fn(st.pool, out)
}
