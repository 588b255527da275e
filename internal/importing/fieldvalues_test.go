package importing

import (
	"maps"
	"math/rand/v2"
	"testing"
)

// FieldValues replaced a map per record: held to a map under random
// sequences of the operations readers, checks and storage use, for every
// kind, it must give what the map gave.
func TestFieldValuesBehaveAsAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	for k := range fieldTable {
		names := namesOf(k)
		if len(names) == 0 {
			t.Fatalf("%s: no field names", k)
		}
		for round := range 200 {
			v, model := NewValues(k), map[string]any{}
			if round%2 == 0 {
				v.reset() // a reused record starts as a new one
			}
			for range 60 {
				name := names[rng.IntN(len(names))]
				switch op := rng.IntN(10); {
				case op < 4:
					x := rng.IntN(5)
					v.Set(name, x)
					model[name] = x
				case op < 5:
					i := Slot(k, name)
					v.SetAt(i, "s")
					model[name] = "s"
				case op < 7:
					v.Delete(name)
					delete(model, name)
				case op < 8:
					v.reset()
					clear(model)
				default:
					if i := Slot(k, name); v.At(i) != model[name] {
						t.Fatalf("%s: At(Slot(%q)) = %v, the map has %v", k, name, v.At(i), model[name])
					}
				}
				for _, n := range names {
					got, ok := v.Lookup(n)
					want, wantOK := model[n]
					if got != want || ok != wantOK || v.Get(n) != want || v.Has(n) != wantOK {
						t.Fatalf("%s: Lookup(%q) = %v, %v; the map has %v, %v", k, n, got, ok, want, wantOK)
					}
				}
				if !maps.Equal(v.Map(), model) {
					t.Fatalf("%s: %v, the map has %v", k, v.Map(), model)
				}
			}
			c := v.Clone()
			c.Set(names[0], "changed")
			if !maps.Equal(v.Map(), model) {
				t.Fatalf("%s: a change of the clone changed the original: %v", k, v.Map())
			}
		}
	}
}

// The nil values read as empty, as a nil map does; a name that is no
// field of the kind is a mistake of the program and panics on Set.
func TestFieldValuesNilAndUnknownNames(t *testing.T) {
	var v *Values
	if _, ok := v.Lookup("familienname"); ok || v.Get("familienname") != nil || v.Clone() != nil || len(v.Map()) != 0 {
		t.Errorf("nil values are not empty: %v", v.Map())
	}
	for range v.All() {
		t.Error("nil values yield a field")
	}
	w := NewValues(ListeMelderegister)
	if _, ok := w.Lookup("schuelernummer"); ok {
		t.Error("a field of another kind has a value")
	}
	w.Delete("schuelernummer") // no field of the kind: nothing to delete
	defer func() {
		if recover() == nil {
			t.Error("Set of a field of another kind did not panic")
		}
	}()
	w.Set("schuelernummer", "1")
}

// ValuesOf takes another written form of a kind, as Stream does.
func TestValuesOfKindForms(t *testing.T) {
	v := ValuesOf(Listenart("Melderegister"), map[string]any{"ordnungsmerkmal": "1001"})
	if Schluessel(ListeMelderegister, v) != "om:1001" {
		t.Errorf("key = %q", Schluessel(ListeMelderegister, v))
	}
}

// textsOf gives the cells as found of a record of kind k by name.
func textsOf(k Listenart, m map[string]string) *Texts {
	v := newFieldValues[string](namesOf(k))
	for name, x := range m {
		v.Set(name, x)
	}
	return v
}
