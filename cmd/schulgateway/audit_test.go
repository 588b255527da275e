package main

import (
	"context"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
)

func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewAuditStore(pool)
	for range 5 {
		if err := store.Record(ctx, audit.Entry{Subject: "sachbearbeitung-1", Operation: "GET /v1/x", Result: 200}); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut syncBuffer
	if err := run(ctx, []string{"audit", "verify"}, env, &out, &errOut); err != nil || !strings.Contains(out.String(), "unversehrt: 5 Einträge") {
		t.Fatalf("intact: %v %q %q", err, out.String(), errOut.String())
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET session_replication_role = replica", "UPDATE audit_log SET subject = 'niemand' WHERE id = (SELECT id FROM audit_kette WHERE seq = 3)", "SET session_replication_role = origin"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn.Release()
	out = syncBuffer{}
	err = run(ctx, []string{"audit", "verify"}, env, &out, &errOut)
	if exitCode(err) != 1 || !strings.Contains(out.String(), "Kette gebrochen bei Eintrag 3") {
		t.Errorf("tampered: exit %d, %q", exitCode(err), out.String())
	}
	if err := run(ctx, []string{"audit"}, env, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("audit without verify: exit %d", exitCode(err))
	}
}
