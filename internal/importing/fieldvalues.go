package importing

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"
)

// FieldValues holds a record's values by field: one slot per field of its
// kind, in the order of Fields(k). It replaces a map per record: a
// million-row register made about 60 map operations a row (the values and
// the cells as found, written and read again by the key, the checks and
// the COPY), 1.3–1.5 s of the gateway's CPU per million rows, where a slot
// is an index (docs/performance.md, session 13). A field is looked up by
// its name (a scan of the kind's names, no hashing) or, in the hot loops,
// by its slot (Slot, Stream's mapped fields).
//
// A *FieldValues is shared like a map: copies of a Record see the same
// values. The nil *FieldValues reads as empty.
type FieldValues[T any] struct {
	names []string // the kind's field names (shared by all records of the kind)
	vals  []T
	set   []bool // set[i]: vals[i] holds a value
}

// Values are the typed values of a record's fields (Record.Values).
type Values = FieldValues[any]

// Texts are the cells of a record's fields as found (Record.Raw).
type Texts = FieldValues[string]

func newFieldValues[T any](names []string) *FieldValues[T] {
	return &FieldValues[T]{names: names, vals: make([]T, len(names)), set: make([]bool, len(names))}
}

// fieldNames are the names of the fields of each kind, in the order of
// Fields(k), made once (after the package's init has completed fieldTable).
var fieldNames = sync.OnceValue(func() map[Listenart][]string {
	out := make(map[Listenart][]string, len(fieldTable))
	for k, fs := range fieldTable {
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = f.Name
		}
		out[k] = names
	}
	return out
})

// namesOf returns the field names of k, also for a kind written in
// another form ParseListenart reads; nil for no kind.
func namesOf(k Listenart) []string {
	if names, ok := fieldNames()[k]; ok {
		return names
	}
	if parsed, err := ParseListenart(string(k)); err == nil {
		return fieldNames()[parsed]
	}
	return nil
}

// NewValues returns empty values for a record of kind k.
func NewValues(k Listenart) *Values { return newFieldValues[any](namesOf(k)) }

// ValuesOf returns the values of a record of kind k given by name (for
// records not read from a list: tests, demo data). A name that is no
// field of k panics: it is a mistake in the program, not in a list.
func ValuesOf(k Listenart, m map[string]any) *Values {
	v := NewValues(k)
	for name, x := range m {
		v.Set(name, x)
	}
	return v
}

// Slot is the slot of the field name in the values of kind k, for code
// that reads a field of every row (resolve once, read with At). It
// panics for a name that is no field of k.
func Slot(k Listenart, name string) int {
	i := slices.Index(namesOf(k), name)
	if i < 0 {
		panic(fmt.Sprintf("importing: %q is no field of the list kind %q", name, k))
	}
	return i
}

func (v *FieldValues[T]) slot(name string) int {
	if v == nil {
		return -1
	}
	for i, n := range v.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Lookup returns the value of field name and whether it has one.
func (v *FieldValues[T]) Lookup(name string) (T, bool) {
	if i := v.slot(name); i >= 0 && v.set[i] {
		return v.vals[i], true
	}
	var zero T
	return zero, false
}

// Get returns the value of field name, the zero value if it has none.
func (v *FieldValues[T]) Get(name string) T {
	x, _ := v.Lookup(name)
	return x
}

// Has tells whether field name has a value.
func (v *FieldValues[T]) Has(name string) bool {
	_, ok := v.Lookup(name)
	return ok
}

// At returns the value in slot i (see Slot), the zero value if it has none.
func (v *FieldValues[T]) At(i int) T {
	x, _ := v.LookupAt(i)
	return x
}

// LookupAt returns the value in slot i and whether it has one.
func (v *FieldValues[T]) LookupAt(i int) (T, bool) {
	if v == nil || !v.set[i] {
		var zero T
		return zero, false
	}
	return v.vals[i], true
}

// Set gives field name the value x. It panics for a name that is no field
// of the record's kind.
func (v *FieldValues[T]) Set(name string, x T) {
	i := v.slot(name)
	if i < 0 {
		panic(fmt.Sprintf("importing: %q is no field of this list kind", name))
	}
	v.SetAt(i, x)
}

// SetAt gives slot i the value x.
func (v *FieldValues[T]) SetAt(i int, x T) {
	v.vals[i], v.set[i] = x, true
}

// Delete removes the value of field name, if any.
func (v *FieldValues[T]) Delete(name string) {
	if i := v.slot(name); i >= 0 && v.set[i] {
		var zero T
		v.vals[i], v.set[i] = zero, false
	}
}

// All yields the fields that have a value and their values, in the order
// of the kind's fields.
func (v *FieldValues[T]) All() iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		if v == nil {
			return
		}
		for i, ok := range v.set {
			if ok && !yield(v.names[i], v.vals[i]) {
				return
			}
		}
	}
}

// Map returns the values as a map (for tests and messages).
func (v *FieldValues[T]) Map() map[string]T { return maps.Collect(v.All()) }

// String shows the values as a map does.
func (v *FieldValues[T]) String() string { return fmt.Sprint(v.Map()) }

// Clone returns a copy that does not share the values.
func (v *FieldValues[T]) Clone() *FieldValues[T] {
	if v == nil {
		return nil
	}
	return &FieldValues[T]{names: v.names, vals: slices.Clone(v.vals), set: slices.Clone(v.set)}
}

// reset removes every value (Stream reuses one FieldValues for each row).
func (v *FieldValues[T]) reset() {
	clear(v.vals)
	clear(v.set)
}
