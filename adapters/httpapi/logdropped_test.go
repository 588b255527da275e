package httpapi

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// The log lines the queue dropped are a metric, so that an operator sees
// that the log is incomplete.
func TestMetricsCountDroppedLogLines(t *testing.T) {
	app := New(Deps{LogDropped: func() uint64 { return 7 }})
	res, err := app.Test(httptest.NewRequest("GET", "/metrics", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), "\nschulgateway_log_lines_dropped_total 7\n") {
		t.Fatalf("no dropped-lines counter of 7 in /metrics:\n%.2000s", body)
	}
}
