package page

import (
	"strconv"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int{"": DefaultLimit, "1": 1, " 7 ": 7, "1000": 1000, "100": 100} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "1001", "abc", "1.5", "1e3", "99999999999999999999", "10 0"} {
		_, err := ParseLimit(in)
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Pointer != "/limit" || e.Fields[0].Code != "limit_ungueltig" ||
			e.Fields[0].Message != "limit muss eine ganze Zahl von 1 bis 1000 sein; ohne limit sind es 100." {
			t.Errorf("ParseLimit(%q) = %v; want apperr.Invalid on /limit with code limit_ungueltig", in, err)
		}
	}
}

func TestCheckLimit(t *testing.T) {
	for _, n := range []int{1, 1000} {
		if err := CheckLimit(n); err != nil {
			t.Errorf("CheckLimit(%d) = %v", n, err)
		}
	}
	for _, n := range []int{0, -5, 1001} {
		if _, ok := apperr.As(CheckLimit(n)); !ok {
			t.Errorf("CheckLimit(%d) accepted", n)
		}
	}
}

func TestCut(t *testing.T) {
	key := func(n int) string { return strconv.Itoa(n) }
	read := []int{1, 2, 3, 4} // read with limit+1 = 4
	p := Cut(read, 3, key)
	if len(p.Items) != 3 || p.Next != "3" {
		t.Fatalf("more than limit: %+v, want 3 items and next 3", p)
	}
	if p.Items = append(p.Items, 99); read[3] != 4 {
		t.Errorf("appending to a page wrote into the caller's slice")
	}
	for _, items := range [][]int{{1, 2, 3}, {1}, nil} {
		if p := Cut(items, 3, key); len(p.Items) != len(items) || p.Next != "" {
			t.Errorf("last page %v: %+v, want all items and no next", items, p)
		}
	}
}
